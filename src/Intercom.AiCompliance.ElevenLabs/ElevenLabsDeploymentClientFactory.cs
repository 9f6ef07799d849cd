using Intercom.AiCompliance.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.ElevenLabs;

/// <summary>Builds the clients of one ElevenLabs deployment: its endpoint, its key, its named HttpClient, its zero-retention rule.</summary>
internal static class ElevenLabsDeploymentClientFactory
{
    /// <summary>The prefix of the named HttpClient of each deployment; the deployment id follows.</summary>
    public const string HttpClientNamePrefix = "Intercom.AiCompliance.ElevenLabs:";

    public static ElevenLabsTextToSpeechClient TextToSpeech(IServiceProvider services, ProviderDeployment deployment)
    {
        var (http, options, endpoint) = Create(services, deployment);
        return new ElevenLabsTextToSpeechClient(http, endpoint, deployment.Model, options.DefaultVoiceId, options.OutputFormat);
    }

    public static ElevenLabsSpeechToTextClient SpeechToText(IServiceProvider services, ProviderDeployment deployment)
    {
        var (http, _, endpoint) = Create(services, deployment);
        return new ElevenLabsSpeechToTextClient(http, endpoint, deployment.Model);
    }

    private static (ElevenLabsHttp, ElevenLabsProviderOptions, Uri) Create(IServiceProvider services, ProviderDeployment deployment)
    {
        var options = services.GetRequiredService<IOptions<ElevenLabsProviderOptions>>().Value;
        var key = options.ApiKeyProvider?.Invoke(services, deployment);
        if (string.IsNullOrWhiteSpace(key))
        {
            key = options.ApiKey;
        }

        if (string.IsNullOrWhiteSpace(key))
        {
            throw new InvalidOperationException(
                $"ElevenLabs deployment '{deployment.Id}' has no API key: set AiComplianceElevenLabs:ApiKey, or ElevenLabsProviderOptions.ApiKey or ApiKeyProvider in AddElevenLabsClients.");
        }

        var relies = options.ReliesOnZeroRetentionParameter(deployment);
        if (!relies && CatalogValidator.IsEuHosted(deployment))
        {
            throw new InvalidOperationException(
                $"AiComplianceElevenLabs:ZeroRetentionByAccountContract lists deployment '{deployment.Id}', which processes in the EU: ElevenLabs keeps EU processing in the EU only in zero retention mode (enable_logging=false), so it cannot be turned off for this deployment.");
        }

        if (!Uri.TryCreate(deployment.Endpoint, UriKind.Absolute, out var endpoint))
        {
            throw new InvalidOperationException($"ElevenLabs deployment '{deployment.Id}' has no absolute endpoint.");
        }

        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientNamePrefix + deployment.Id);
        client.Timeout = options.NetworkTimeout;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        return (new ElevenLabsHttp(client, deployment, key, relies, time), options, endpoint);
    }
}

/// <summary>Rejects options that cannot work, naming the configuration key.</summary>
internal sealed class ElevenLabsProviderOptionsValidator : IValidateOptions<ElevenLabsProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, ElevenLabsProviderOptions options)
    {
        var errors = new List<string>();
        if (options.DefaultVoiceId is { } voice && (voice.Length == 0 || !voice.All(char.IsAsciiLetterOrDigit)))
        {
            errors.Add("AiComplianceElevenLabs:DefaultVoiceId is not an ElevenLabs voice id (letters and digits).");
        }

        if (string.IsNullOrWhiteSpace(options.OutputFormat) || !options.OutputFormat.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            errors.Add("AiComplianceElevenLabs:OutputFormat is not an ElevenLabs output format such as mp3_44100_128 or pcm_16000.");
        }

        for (var i = 0; i < options.ZeroRetentionByAccountContract.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.ZeroRetentionByAccountContract[i]))
            {
                errors.Add($"AiComplianceElevenLabs:ZeroRetentionByAccountContract:{i} is empty: name a deployment id or remove the entry.");
            }
        }

        if (options.NetworkTimeout <= TimeSpan.Zero)
        {
            errors.Add("AiComplianceElevenLabs:NetworkTimeout must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Configures each deployment's named HttpClient after everything the host configured for it: no header value (the key is one)
/// in its logs, and the zero-retention guard as the last handler before the network, unless the deployment's zero-retention
/// attestation does not rely on the request parameter.
/// </summary>
internal sealed class ElevenLabsHttpClientSetup(IOptions<ElevenLabsProviderOptions> options) : IPostConfigureOptions<HttpClientFactoryOptions>
{
    public void PostConfigure(string? name, HttpClientFactoryOptions clientOptions)
    {
        if (name is null || !name.StartsWith(ElevenLabsDeploymentClientFactory.HttpClientNamePrefix, StringComparison.Ordinal))
        {
            return;
        }

        clientOptions.ShouldRedactHeaderValue = _ => true;
        var deploymentId = name[ElevenLabsDeploymentClientFactory.HttpClientNamePrefix.Length..];
        if (options.Value.ZeroRetentionByAccountContract.Contains(deploymentId, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        // Added as the last builder action, so after every handler the host added: nothing can drop the parameter later.
        clientOptions.HttpMessageHandlerBuilderActions.Add(b => b.AdditionalHandlers.Add(new ZeroRetentionGuardHandler(deploymentId)));
    }
}
