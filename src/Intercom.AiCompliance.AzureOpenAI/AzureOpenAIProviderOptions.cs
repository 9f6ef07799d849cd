using Azure.Core;
using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.AzureOpenAI;

/// <summary>
/// How the Azure OpenAI deployments of the catalogue authenticate: Entra ID (a <see cref="TokenCredential"/>) or an API
/// key (or a callback that returns one per deployment), plus the network timeout. The resource endpoint, the Azure
/// deployment name (the catalogue's <c>Model</c>) and the deployment type come from the catalogue, never from here, so
/// where data is processed is decided by the catalogue alone.
/// </summary>
/// <remarks>
/// Bound from the top-level configuration section <c>AiComplianceAzureOpenAI</c> (<c>ApiKey</c>, <c>TokenScope</c>,
/// <c>NetworkTimeout</c>; the credential is set in code). A key is never logged, never put in an exception message and
/// never returned by <see cref="ToString"/>.
/// </remarks>
public sealed class AzureOpenAIProviderOptions
{
    /// <summary>The scope Entra ID tokens are requested for: Azure AI services (<c>https://cognitiveservices.azure.com/.default</c>).</summary>
    public const string DefaultTokenScope = "https://cognitiveservices.azure.com/.default";

    /// <summary>
    /// Entra ID: the credential whose tokens are sent as <c>Authorization: Bearer</c> (for example a
    /// <c>ManagedIdentityCredential</c> or <c>DefaultAzureCredential</c> from Azure.Identity). When set, it is used for every
    /// deployment that <see cref="ApiKeyProvider"/> gives no key.
    /// </summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>The scope of the Entra ID tokens; default <see cref="DefaultTokenScope"/>.</summary>
    public string TokenScope { get; set; } = DefaultTokenScope;

    /// <summary>The API key (sent as the <c>api-key</c> header) for every deployment that neither <see cref="ApiKeyProvider"/> nor <see cref="Credential"/> covers.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Returns the API key of one deployment (for example read from a key vault per resource), or <see langword="null"/> to
    /// use <see cref="Credential"/>, else <see cref="ApiKey"/>. Called once per deployment and capability, when the router is
    /// built at the host's start.
    /// </summary>
    public Func<IServiceProvider, ProviderDeployment, string?>? ApiKeyProvider { get; set; }

    /// <summary>How long one HTTP call may take before the SDK gives up (a transient timeout for the router); default 100 seconds.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Describes the options without the key: only whether one is set.</summary>
    public override string ToString() =>
        $"AzureOpenAIProviderOptions {{ Credential = {(Credential is null ? "not set" : Credential.GetType().Name)}, TokenScope = {TokenScope}, "
        + $"ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "not set" : "set (hidden)")}, ApiKeyProvider = {(ApiKeyProvider is null ? "not set" : "set")}, NetworkTimeout = {NetworkTimeout} }}";
}
