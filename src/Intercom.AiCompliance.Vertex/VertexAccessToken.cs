namespace Intercom.AiCompliance.Vertex;

/// <summary>An OAuth2 access token for Vertex AI and the instant it stops being valid.</summary>
/// <param name="Value">The bearer token; sent only in the <c>Authorization</c> header.</param>
/// <param name="ExpiresAt">When the token expires.</param>
public readonly record struct VertexAccessToken(string Value, DateTimeOffset ExpiresAt)
{
    /// <summary>Describes the token without its value.</summary>
    public override string ToString() => $"VertexAccessToken {{ Value = (hidden), ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>
/// Where Vertex AI access tokens come from. The package registers one over <c>Google.Apis.Auth</c> (service account key or
/// application default credentials, scope <c>https://www.googleapis.com/auth/cloud-platform</c>); register your own before
/// <c>AddVertexClients</c> to use another (workload identity federation through your own code, a test fake). Tokens are
/// cached by the package until <see cref="VertexProviderOptions.TokenRefreshMargin"/> before they expire, so a source is
/// asked only when a new token is needed.
/// </summary>
public interface IVertexAccessTokenSource
{
    /// <summary>Gets a new access token.</summary>
    /// <param name="cancellationToken">Cancels the request for a token.</param>
    ValueTask<VertexAccessToken> GetTokenAsync(CancellationToken cancellationToken);
}
