using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Anthropic;

/// <summary>
/// How the Anthropic deployments of the catalogue are called: the API key (or a callback that returns one per deployment),
/// the network timeout and the default output limit. The endpoint and the model come from each deployment in the
/// catalogue, never from here, so where data is processed is decided by the catalogue alone.
/// </summary>
/// <remarks>
/// Bound strictly from the top-level configuration section <c>AiComplianceAnthropic</c> (see
/// <c>AnthropicAiComplianceBuilderExtensions.SectionName</c>): a key these options do not declare stops the host's start.
/// The key is never logged, never put in an exception message and never returned by <see cref="ToString"/>.
/// </remarks>
public sealed class AnthropicProviderOptions
{
    /// <summary>The API key used for every Anthropic deployment that <see cref="ApiKeyProvider"/> does not give one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Returns the API key for a deployment (for example a separate workspace key per deployment, read from a secret
    /// store), or <see langword="null"/> to use <see cref="ApiKey"/>. Called once per deployment, when the router is built
    /// at the host's start.
    /// </summary>
    public Func<IServiceProvider, ProviderDeployment, string?>? ApiKeyProvider { get; set; }

    /// <summary>How long one HTTP call may take before the SDK gives up (a transient timeout for the router); default 100 seconds.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// The <c>max_tokens</c> sent when the caller's <c>ChatOptions.MaxOutputTokens</c> is not set (the Messages API
    /// requires one); default 1024, as the SDK's.
    /// </summary>
    public int DefaultMaxOutputTokens { get; set; } = 1024;

    /// <summary>Describes the options without the key: only whether one is set.</summary>
    public override string ToString() =>
        $"AnthropicProviderOptions {{ ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "not set" : "set (hidden)")}, ApiKeyProvider = {(ApiKeyProvider is null ? "not set" : "set")}, "
        + $"NetworkTimeout = {NetworkTimeout}, DefaultMaxOutputTokens = {DefaultMaxOutputTokens} }}";
}
