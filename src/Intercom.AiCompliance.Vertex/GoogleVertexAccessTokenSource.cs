using Google.Apis.Auth.OAuth2;
using Intercom.AiCompliance.Providers;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Vertex;

/// <summary>Access tokens from <c>Google.Apis.Auth</c>: the configured service account key, or application default credentials.</summary>
internal sealed class GoogleVertexAccessTokenSource(IOptions<VertexProviderOptions> options, TimeProvider time) : IVertexAccessTokenSource
{
    /// <summary>The OAuth2 scope Vertex AI requires.</summary>
    public const string Scope = "https://www.googleapis.com/auth/cloud-platform";

    /// <summary>How long a token is trusted when the credential does not say when it expires (Google's tokens last an hour).</summary>
    private static readonly TimeSpan UnknownLifetime = TimeSpan.FromMinutes(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private GoogleCredential? _credential;

    public async ValueTask<VertexAccessToken> GetTokenAsync(CancellationToken cancellationToken)
    {
        var credential = await CredentialAsync(cancellationToken).ConfigureAwait(false);
        string token;
        try
        {
            token = await ((ITokenAccess)credential).GetAccessTokenForRequestAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The library's messages can quote the token endpoint's answer; only the fact is kept.
            throw new ProviderException(ProviderFailureKind.Authentication, "Vertex AI: no access token could be obtained from the configured Google credentials.");
        }

        // The library stamps a token on the system clock; what is left of its life is carried over to the host's clock.
        var remaining = (credential.UnderlyingCredential as ServiceCredential)?.Token is { ExpiresInSeconds: { } seconds } t
            ? new DateTimeOffset(DateTime.SpecifyKind(t.IssuedUtc, DateTimeKind.Utc)).AddSeconds(seconds) - TimeProvider.System.GetUtcNow()
            : UnknownLifetime;
        var expires = time.GetUtcNow() + remaining;
        return new VertexAccessToken(token, expires);
    }

    private async ValueTask<GoogleCredential> CredentialAsync(CancellationToken cancellationToken)
    {
        if (_credential is { } c)
        {
            return c;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_credential is null)
            {
                var json = options.Value.ServiceAccountJson;
                try
                {
                    var credential = string.IsNullOrWhiteSpace(json)
                        ? await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false)
                        : CredentialFactory.FromJson<ServiceAccountCredential>(json).ToGoogleCredential();
                    _credential = credential.CreateScoped(Scope);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The key's content must never reach a message; say only which source failed.
                    throw new ProviderException(ProviderFailureKind.Authentication, string.IsNullOrWhiteSpace(json)
                        ? "Vertex AI: application default credentials are not available (set AiComplianceVertex:ServiceAccountJson or GOOGLE_APPLICATION_CREDENTIALS)."
                        : "Vertex AI: AiComplianceVertex:ServiceAccountJson is not a valid service account key.");
                }
            }

            return _credential;
        }
        finally
        {
            _gate.Release();
        }
    }
}
