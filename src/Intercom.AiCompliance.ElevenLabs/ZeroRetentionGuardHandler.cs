namespace Intercom.AiCompliance.ElevenLabs;

/// <summary>
/// The last handler before the network on the HttpClient of every ElevenLabs deployment whose zero-retention attestation
/// relies on the request parameter: a request whose query does not say <c>enable_logging=false</c> (exactly, and nothing
/// else for that parameter) is refused here and never sent.
/// </summary>
/// <remarks>
/// The package adds it after every handler the host configured for the named client (it is added in a post-configuration
/// step), so no handler can remove the parameter after the check. Only the primary handler, which sends bytes, comes later.
/// </remarks>
internal sealed class ZeroRetentionGuardHandler(string deploymentId) : DelegatingHandler
{
    public const string Parameter = "enable_logging";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Check(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Check(request);
        return base.Send(request, cancellationToken);
    }

    private void Check(HttpRequestMessage request)
    {
        if (!RequestsZeroRetention(request.RequestUri))
        {
            throw new ZeroRetentionNotRequestedException(deploymentId);
        }
    }

    /// <summary>Whether <paramref name="uri"/>'s query sets <c>enable_logging</c> exactly once, to <c>false</c>.</summary>
    public static bool RequestsZeroRetention(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            return false;
        }

        var found = 0;
        var allFalse = true;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            if (!string.Equals(name, Parameter, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            found++;
            allFalse &= eq >= 0 && Uri.UnescapeDataString(pair[(eq + 1)..]) == "false";
        }

        return found == 1 && allFalse;
    }
}

/// <summary>
/// A request to an ElevenLabs deployment whose zero-retention attestation relies on <c>enable_logging=false</c> did not carry
/// it, so it was not sent. The router stops the request (it is not a provider failure, and no other deployment is tried).
/// </summary>
internal sealed class ZeroRetentionNotRequestedException(string deploymentId)
    : InvalidOperationException($"ElevenLabs deployment '{deploymentId}': the request did not ask for zero retention (enable_logging=false), which its zero-data-retention attestation relies on, so it was not sent.");
