namespace Intercom.AiCompliance.Vertex;

/// <summary>
/// How the Google Vertex AI deployments of the catalogue are called: the Google Cloud project, the credentials (a service
/// account key as JSON, or application default credentials), how long before expiry an access token is renewed, and the
/// network timeout. The endpoint (and so the location) and the model come from each deployment in the catalogue, never from
/// here, so where data is processed is decided by the catalogue alone.
/// </summary>
/// <remarks>
/// Bound strictly from the top-level configuration section <c>AiComplianceVertex</c> (an unknown key stops the host's start).
/// The service account key is never logged, never put in an exception message and never returned by <see cref="ToString"/>.
/// </remarks>
public sealed class VertexProviderOptions
{
    /// <summary>The Google Cloud project id that owns the Vertex AI calls (the <c>projects/{project}</c> of every request path). Required.</summary>
    public string? ProjectId { get; set; }

    /// <summary>
    /// A service account key file's content (JSON). When not set, application default credentials are used
    /// (<c>GOOGLE_APPLICATION_CREDENTIALS</c>, the gcloud user's credentials, or the metadata server on Google Cloud).
    /// Keep it in a secret store or an environment variable (<c>AiComplianceVertex__ServiceAccountJson</c>), not in a file
    /// checked into source control.
    /// </summary>
    public string? ServiceAccountJson { get; set; }

    /// <summary>How long before its expiry a cached access token is replaced by a new one; default 5 minutes.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one HTTP call may take before it is abandoned (a transient timeout for the router); default 100 seconds.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// The location used in request paths when a deployment's endpoint is outside <c>googleapis.com</c> (a gateway in front of
    /// Vertex AI, or a local fake in tests), whose host carries no location. For Google hosts the location is always read from
    /// the host (<c>europe-west4-aiplatform.googleapis.com</c>) and this value is ignored. The catalogue author answers for
    /// where a gateway sends data: describe its regions in the catalogue as for any other endpoint.
    /// </summary>
    public string? NonGoogleEndpointLocation { get; set; }

    /// <summary>Describes the options without the service account key: only whether one is set.</summary>
    public override string ToString() =>
        $"VertexProviderOptions {{ ProjectId = {ProjectId ?? "not set"}, ServiceAccountJson = {(string.IsNullOrEmpty(ServiceAccountJson) ? "not set (application default credentials)" : "set (hidden)")}, "
        + $"TokenRefreshMargin = {TokenRefreshMargin}, NetworkTimeout = {NetworkTimeout}, NonGoogleEndpointLocation = {NonGoogleEndpointLocation ?? "not set"} }}";
}
