using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Vertex;

/// <summary>The request addresses of one Vertex AI deployment: its host, its project and location, and its model.</summary>
internal sealed class VertexEndpoint
{
    private const string GlobalHost = "aiplatform.googleapis.com";
    private const string RegionalHostSuffix = "-aiplatform.googleapis.com";

    private VertexEndpoint(Uri modelUri, string location)
    {
        ModelUri = modelUri;
        Location = location;
    }

    /// <summary><c>{endpoint}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}</c>.</summary>
    public Uri ModelUri { get; }

    /// <summary>The Vertex AI location the requests name.</summary>
    public string Location { get; }

    /// <summary>The address of a method such as <c>generateContent</c>, with an optional query such as <c>alt=sse</c>.</summary>
    public Uri Method(string method, string? query = null) =>
        new(ModelUri.AbsoluteUri + ":" + method + (query is null ? "" : "?" + query));

    /// <summary>
    /// Builds the addresses of <paramref name="deployment"/>: the location is read from a Google host
    /// (<c>europe-west4-aiplatform.googleapis.com</c> gives <c>europe-west4</c>, <c>aiplatform.googleapis.com</c> gives
    /// <c>global</c>), and taken from <paramref name="nonGoogleLocation"/> only for a host outside <c>googleapis.com</c> (a gateway
    /// in front of Vertex AI, or a local fake in tests), which carries no location.
    /// </summary>
    public static VertexEndpoint For(ProviderDeployment deployment, string? projectId, string? nonGoogleLocation)
    {
        if (!Uri.TryCreate(deployment.Endpoint, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"Vertex AI deployment '{deployment.Id}' has no absolute endpoint.");
        }

        if (string.IsNullOrWhiteSpace(projectId) || !IsPathSegment(projectId))
        {
            throw new InvalidOperationException(
                $"Vertex AI deployment '{deployment.Id}' has no project: set AiComplianceVertex:ProjectId (letters, digits and '-').");
        }

        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        string location;
        if (host == GlobalHost)
        {
            location = "global";
        }
        else if (host.EndsWith(RegionalHostSuffix, StringComparison.Ordinal))
        {
            location = host[..^RegionalHostSuffix.Length];
        }
        else if (!host.EndsWith(".googleapis.com", StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(nonGoogleLocation))
        {
            location = nonGoogleLocation;
        }
        else
        {
            throw new InvalidOperationException(
                $"Vertex AI deployment '{deployment.Id}' endpoint host '{host}' is not a Vertex AI host ({{location}}{RegionalHostSuffix} or {GlobalHost}); for a gateway, set AiComplianceVertex:NonGoogleEndpointLocation.");
        }

        if (!IsPathSegment(location) || !IsPathSegment(deployment.Model))
        {
            throw new InvalidOperationException($"Vertex AI deployment '{deployment.Id}' has a location or model that is not a plain name.");
        }

        var basePath = uri.AbsolutePath.TrimEnd('/');
        var model = new UriBuilder(uri)
        {
            Path = $"{basePath}/v1/projects/{projectId}/locations/{location}/publishers/google/models/{deployment.Model}",
            Query = "",
        }.Uri;
        return new VertexEndpoint(model, location);
    }

    private static bool IsPathSegment(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@') && s != "." && s != "..";
}
