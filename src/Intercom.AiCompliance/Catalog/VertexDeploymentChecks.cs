namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// Catalogue checks for <see cref="ProviderKind.GoogleVertex"/> deployments: where a Vertex AI endpoint processes data is
/// its location, spelled in the host (<c>{location}-aiplatform.googleapis.com</c>), and it must agree with the regions the
/// deployment declares.
/// </summary>
/// <remarks>
/// Vertex AI's regional endpoints process generative AI requests in their location; the <c>global</c> endpoint
/// (<c>aiplatform.googleapis.com</c>) may serve a request from any location Google chooses, so it makes no residency promise
/// and cannot back a deployment that declares one region. Locations are mapped by their prefix: <c>europe-*</c> to EU,
/// <c>us-*</c> to US, <c>australia-*</c> to AU; any other location (such as <c>asia-northeast1</c> or
/// <c>northamerica-northeast1</c>) has no region the platform offers, so it is an error rather than a guess. A Google host
/// that is not a Vertex AI endpoint (such as <c>generativelanguage.googleapis.com</c>) is an error too. A host outside
/// <c>googleapis.com</c> (a gateway in front of Vertex AI) falls under the general endpoint rules only, as for OpenAI.
/// </remarks>
internal static class VertexDeploymentChecks
{
    /// <summary>The host of the <c>global</c> location, which has no residency promise.</summary>
    public const string GlobalHost = "aiplatform.googleapis.com";

    /// <summary>What follows the location in a regional host.</summary>
    public const string RegionalHostSuffix = "-aiplatform.googleapis.com";

    /// <summary>Checks <paramref name="d"/>'s endpoint <paramref name="uri"/> (a remote, absolute http(s) address) when it is a Vertex deployment.</summary>
    public static void Validate(ProviderDeployment d, Uri uri, Action<string, string> error)
    {
        if (d.Provider != ProviderKind.GoogleVertex)
        {
            return;
        }

        const string field = nameof(ProviderDeployment.Endpoint);
        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (host == GlobalHost)
        {
            if (d.ProcessingRegions.Count == 1)
            {
                error(field, $"host '{host}' is Vertex AI's global location, which may process a request in any location and makes no residency promise, but the deployment declares the single region {d.ProcessingRegions[0]}: use a regional endpoint such as https://{ExampleLocation(d.ProcessingRegions[0])}{RegionalHostSuffix}.");
            }

            return;
        }

        if (!host.EndsWith(".googleapis.com", StringComparison.Ordinal))
        {
            // A gateway in front of Vertex AI (as for OpenAI): only the general rules apply, and the catalogue author answers
            // for where it sends data.
            return;
        }

        if (!TryGetLocation(uri, out var location))
        {
            error(field, $"host '{host}' is not a Vertex AI endpoint: use https://{{location}}{RegionalHostSuffix} (for example https://europe-west4{RegionalHostSuffix}).");
            return;
        }

        if (RegionOf(location) is not { } region)
        {
            error(field, $"Vertex AI location '{location}' of host '{host}' is in none of the regions the platform offers (europe-* is EU, us-* is US, australia-* is AU): use a location in the region the deployment declares.");
            return;
        }

        if (!d.ProcessingRegions.Contains(region))
        {
            error(field, $"Vertex AI location '{location}' of host '{host}' processes data in {region}, but the deployment declares {string.Join(", ", d.ProcessingRegions)}: use a location in the declared region, or declare {region}.");
        }
    }

    /// <summary>Reads the location from a regional Vertex AI host (<c>europe-west4-aiplatform.googleapis.com</c> gives <c>europe-west4</c>); <c>global</c> for the global host.</summary>
    public static bool TryGetLocation(Uri uri, out string location)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (host == GlobalHost)
        {
            location = "global";
            return true;
        }

        location = host.EndsWith(RegionalHostSuffix, StringComparison.Ordinal) ? host[..^RegionalHostSuffix.Length] : "";
        return location.Length > 0 && !location.Contains('.', StringComparison.Ordinal)
            && location.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
    }

    /// <summary>The region a Vertex AI location lies in, or <see langword="null"/> when the platform offers none there.</summary>
    public static Region? RegionOf(string location) =>
        location.StartsWith("europe-", StringComparison.Ordinal) ? Region.EU
        : location.StartsWith("us-", StringComparison.Ordinal) ? Region.US
        : location.StartsWith("australia-", StringComparison.Ordinal) ? Region.AU
        : null;

    private static string ExampleLocation(Region region) =>
        region == Region.EU ? "europe-west4" : region == Region.AU ? "australia-southeast1" : "us-central1";
}
