using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.OpenAI;

/// <summary>
/// How the OpenAI deployments of the catalogue are called: the API key (or a callback that returns one per deployment),
/// the optional organization and project, and the network timeout. The endpoint and the model come from each deployment
/// in the catalogue, never from here, so where data is processed is decided by the catalogue alone.
/// </summary>
/// <remarks>
/// Bound from the top-level configuration section <c>AiComplianceOpenAI</c> (see
/// <c>OpenAIAiComplianceBuilderExtensions.SectionName</c>). The key is never logged, never put in an exception message
/// and never returned by <see cref="ToString"/>.
/// </remarks>
public sealed class OpenAIProviderOptions
{
    /// <summary>The API key used for every OpenAI deployment that <see cref="ApiKeyProvider"/> does not give one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Returns the API key for a deployment (for example a separate project key for the EU deployment, read from a secret
    /// store), or <see langword="null"/> to use <see cref="ApiKey"/>. Called once per deployment and capability, when the
    /// router is built at the host's start.
    /// </summary>
    public Func<IServiceProvider, ProviderDeployment, string?>? ApiKeyProvider { get; set; }

    /// <summary>The OpenAI organization id sent as <c>OpenAI-Organization</c>, when set.</summary>
    public string? OrganizationId { get; set; }

    /// <summary>The OpenAI project id sent as <c>OpenAI-Project</c>, when set.</summary>
    public string? ProjectId { get; set; }

    /// <summary>How long one HTTP call may take before the SDK gives up (a transient timeout for the router); default 100 seconds.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Describes the options without the key: only whether one is set.</summary>
    public override string ToString() =>
        $"OpenAIProviderOptions {{ ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "not set" : "set (hidden)")}, ApiKeyProvider = {(ApiKeyProvider is null ? "not set" : "set")}, "
        + $"OrganizationId = {OrganizationId ?? "not set"}, ProjectId = {ProjectId ?? "not set"}, NetworkTimeout = {NetworkTimeout} }}";
}
