using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Intercom.AiCompliance.Bedrock.Signing;
using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.Bedrock;

/// <summary>
/// The AWS credentials of one deployment, resolved the first time they are needed (the default chain may ask the
/// instance metadata service, which must not delay the host's start) and then asked for current values on every call,
/// so temporary credentials are refreshed by the SDK.
/// </summary>
internal sealed class BedrockCredentialSource
{
    private readonly Func<AWSCredentials> _resolve;
    private readonly Lock _gate = new();
    private AWSCredentials? _credentials;

    public BedrockCredentialSource(Func<AWSCredentials> resolve) => _resolve = resolve;

    // A failed resolution is not kept: the next call tries again (the chain may recover, a profile may be written).
    private AWSCredentials Credentials()
    {
        lock (_gate)
        {
            return _credentials ??= _resolve();
        }
    }

    /// <summary>Picks the source the options name: host callback, explicit keys, profile, or the default chain.</summary>
    /// <exception cref="InvalidOperationException">Half of a key pair is set, or the named profile does not exist (the message names the key, never a value).</exception>
    public static BedrockCredentialSource For(BedrockProviderOptions options, AWSCredentials? fromHost, string deploymentId)
    {
        if (fromHost is not null)
        {
            return new(() => fromHost);
        }

        var hasId = !string.IsNullOrWhiteSpace(options.AccessKeyId);
        var hasSecret = !string.IsNullOrWhiteSpace(options.SecretAccessKey);
        if (hasId != hasSecret)
        {
            throw new InvalidOperationException(
                $"Bedrock deployment '{deploymentId}': set both AiComplianceBedrock:AccessKeyId and AiComplianceBedrock:SecretAccessKey, or neither (to use a profile or the AWS credential chain).");
        }

        if (hasId)
        {
            AWSCredentials explicitCredentials = string.IsNullOrWhiteSpace(options.SessionToken)
                ? new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey)
                : new SessionAWSCredentials(options.AccessKeyId, options.SecretAccessKey, options.SessionToken);
            return new(() => explicitCredentials);
        }

        if (!string.IsNullOrWhiteSpace(options.Profile))
        {
            var profile = options.Profile;
            return new(() => new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile)
                ? fromProfile
                : throw new ProviderException(ProviderFailureKind.Authentication, $"the AWS profile named in AiComplianceBedrock:Profile was not found."));
        }

        return new(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null));
    }

    /// <summary>The current credentials.</summary>
    /// <exception cref="ProviderException">No credentials could be resolved (an authentication failure: the router stops).</exception>
    public async Task<SigningCredentials> GetAsync()
    {
        ImmutableCredentials current;
        try
        {
            current = await Credentials().GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (ProviderException)
        {
            throw;
        }
#pragma warning disable CA1031 // Any failure of the chain is an authentication failure; its message (paths, profile names) is not kept.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new ProviderException(ProviderFailureKind.Authentication, $"no AWS credentials could be resolved ({ex.GetType().Name}).");
        }

        if (current is null || string.IsNullOrEmpty(current.AccessKey) || string.IsNullOrEmpty(current.SecretKey))
        {
            throw new ProviderException(ProviderFailureKind.Authentication, "no AWS credentials could be resolved.");
        }

        return new SigningCredentials(current.AccessKey, current.SecretKey, current.UseToken ? current.Token : null);
    }
}
