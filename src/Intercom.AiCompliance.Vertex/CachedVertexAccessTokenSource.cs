namespace Intercom.AiCompliance.Vertex;

/// <summary>
/// Keeps the last access token until <see cref="VertexProviderOptions.TokenRefreshMargin"/> before it expires, on the host's
/// <see cref="TimeProvider"/>, and asks the inner source for a new one only then (one caller at a time).
/// </summary>
internal sealed class CachedVertexAccessTokenSource(IVertexAccessTokenSource inner, TimeProvider time, TimeSpan refreshMargin)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private VertexAccessToken? _current;

    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_current) is { } token)
        {
            return token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh(_current) is { } again)
            {
                return again;
            }

            var next = await inner.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(next.Value))
            {
                throw new Providers.ProviderException(Providers.ProviderFailureKind.Authentication, "Vertex AI: the access token source returned an empty token.");
            }

            _current = next;
            // A token that is already inside the margin is still used once (it is valid), but not kept.
            return next.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string? Fresh(VertexAccessToken? token) =>
        token is { } t && time.GetUtcNow() < t.ExpiresAt - refreshMargin ? t.Value : null;
}
