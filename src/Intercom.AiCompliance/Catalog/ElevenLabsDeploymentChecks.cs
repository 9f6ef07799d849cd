namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// Catalogue checks for <see cref="ProviderKind.ElevenLabs"/> deployments: each ElevenLabs API host is one environment that
/// stores (and, with zero retention through the API, processes) data in one jurisdiction, and it must agree with the regions
/// the deployment declares.
/// </summary>
/// <remarks>
/// The hosts are those of ElevenLabs' API reference: <c>api.elevenlabs.io</c> (the default environment, data hosted in the
/// US) and <c>api.us.elevenlabs.io</c> (US), and the isolated data-residency environments <c>api.eu.residency.elevenlabs.io</c>
/// (EU), <c>api.in.residency.elevenlabs.io</c> (India) and <c>api.sg.residency.elevenlabs.io</c> (Singapore). Any other
/// <c>elevenlabs.io</c> host is an error: where it would send data is unknown. A host outside <c>elevenlabs.io</c> (a gateway
/// in front of ElevenLabs) falls under the general endpoint rules only, as for OpenAI.
/// </remarks>
internal static class ElevenLabsDeploymentChecks
{
    /// <summary>The ElevenLabs API hosts and the region each keeps data in.</summary>
    public static readonly IReadOnlyDictionary<string, Region> Hosts = new Dictionary<string, Region>(StringComparer.OrdinalIgnoreCase)
    {
        ["api.elevenlabs.io"] = Region.US,
        ["api.us.elevenlabs.io"] = Region.US,
        ["api.eu.residency.elevenlabs.io"] = Region.EU,
        ["api.in.residency.elevenlabs.io"] = Region.Parse("IN"),
        ["api.sg.residency.elevenlabs.io"] = Region.Parse("SG"),
    };

    /// <summary>Checks <paramref name="d"/>'s endpoint <paramref name="uri"/> (a remote, absolute http(s) address) when it is an ElevenLabs deployment.</summary>
    public static void Validate(ProviderDeployment d, Uri uri, Action<string, string> error)
    {
        if (d.Provider != ProviderKind.ElevenLabs)
        {
            return;
        }

        const string field = nameof(ProviderDeployment.Endpoint);
        var host = uri.IdnHost.TrimEnd('.');
        if (!host.Equals("elevenlabs.io", StringComparison.OrdinalIgnoreCase) && !host.EndsWith(".elevenlabs.io", StringComparison.OrdinalIgnoreCase))
        {
            // A gateway in front of ElevenLabs (as for OpenAI): only the general rules apply, and the catalogue author answers
            // for where it sends data.
            return;
        }

        if (!Hosts.TryGetValue(host, out var region))
        {
            error(field, $"host '{host}' is not an ElevenLabs API host: use https://api.elevenlabs.io or https://api.us.elevenlabs.io (US), or a data-residency host such as https://api.eu.residency.elevenlabs.io (EU).");
            return;
        }

        if (!d.ProcessingRegions.Contains(region))
        {
            error(field, $"ElevenLabs host '{host}' keeps data in {region}, but the deployment declares {string.Join(", ", d.ProcessingRegions)}: use the host of the declared region (EU: https://api.eu.residency.elevenlabs.io), or declare {region}.");
        }
    }
}
