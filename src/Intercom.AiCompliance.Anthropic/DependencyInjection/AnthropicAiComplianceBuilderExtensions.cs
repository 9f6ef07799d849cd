using Intercom.AiCompliance.Anthropic;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Http;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves every <see cref="ProviderKind.Anthropic"/> deployment of the catalogue with Anthropic's official SDK.</summary>
public static class AnthropicAiComplianceBuilderExtensions
{
    /// <summary>The configuration section <see cref="AddAnthropicClients(AiComplianceBuilder, IConfiguration, Action{AnthropicProviderOptions})"/> is normally given: <c>AiComplianceAnthropic</c>.</summary>
    /// <remarks>
    /// A top-level section of its own rather than <c>AiCompliance:Anthropic</c>: the core reads <c>AiCompliance</c> strictly
    /// and refuses every key its options do not declare. This section is read strictly too: an unknown key stops the start.
    /// </remarks>
    public const string SectionName = "AiComplianceAnthropic";

    /// <summary>
    /// Serves chat of every Anthropic deployment with the Anthropic SDK's own Microsoft.Extensions.AI client
    /// (<c>AnthropicClient.AsIChatClient(model)</c>: messages, system prompt, tools, streaming, usage) against the
    /// deployment's endpoint (<c>https://api.anthropic.com</c>).
    /// </summary>
    /// <remarks>
    /// The SDK's retries are off: the router's policies retry and fail over, never leaving the compliant set, and the
    /// Retry-After of a 429 or 529 reaches them. HTTP goes through <see cref="IHttpClientFactory"/>, one named client per
    /// deployment (<see cref="HttpClientName"/>), so a host can add handlers:
    /// <c>services.AddHttpClient(AnthropicAiComplianceBuilderExtensions.HttpClientName("claude-us"))</c>. A deployment
    /// without a key stops the host's start, naming the deployment (never the key).
    /// </remarks>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="configure">Sets the key or the key callback, and optionally the timeout and the default output limit.</param>
    public static AiComplianceBuilder AddAnthropicClients(this AiComplianceBuilder builder, Action<AnthropicProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<AnthropicProviderOptions>().Configure(configure);
        return Register(builder);
    }

    /// <summary>
    /// Serves every Anthropic deployment as <see cref="AddAnthropicClients(AiComplianceBuilder, Action{AnthropicProviderOptions})"/>
    /// does, with the options bound strictly from <paramref name="section"/> (normally
    /// <c>configuration.GetSection("AiComplianceAnthropic")</c>: <c>ApiKey</c>, <c>NetworkTimeout</c>,
    /// <c>DefaultMaxOutputTokens</c>; any other key, or a value that does not convert, stops the host's start).
    /// </summary>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="section">The configuration section.</param>
    /// <param name="configure">Optionally sets more, such as <see cref="AnthropicProviderOptions.ApiKeyProvider"/>.</param>
    public static AiComplianceBuilder AddAnthropicClients(this AiComplianceBuilder builder, IConfiguration section, Action<AnthropicProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        var options = builder.Services.AddOptions<AnthropicProviderOptions>().Bind(section, b => b.ErrorOnUnknownConfiguration = true);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return Register(builder);
    }

    /// <summary>The name of the <see cref="IHttpClientFactory"/> client that carries <paramref name="deploymentId"/>'s calls.</summary>
    /// <param name="deploymentId">The deployment's id in the catalogue.</param>
    public static string HttpClientName(string deploymentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deploymentId);
        return AnthropicDeploymentClientFactory.HttpClientNamePrefix + deploymentId;
    }

    private static AiComplianceBuilder Register(AiComplianceBuilder builder)
    {
        builder.Services.AddHttpClient();
        // Every deployment's named client keeps the Retry-After of an error response for the router (the handler only
        // reads the response's headers; the host's own handlers on the same name are kept).
        builder.Services.ConfigureAll<HttpClientFactoryOptions>(o => o.HttpMessageHandlerBuilderActions.Add(b =>
        {
            if (b.Name?.StartsWith(AnthropicDeploymentClientFactory.HttpClientNamePrefix, StringComparison.Ordinal) == true)
            {
                b.AdditionalHandlers.Add(new RetryAfterCapture());
            }
        }));
        builder.AddChatClient(ProviderKind.Anthropic, AnthropicDeploymentClientFactory.CreateChatClient);
        return builder;
    }
}
