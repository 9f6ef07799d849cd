using Anthropic;
using Anthropic.Core;
using Intercom.AiCompliance.Catalog;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Anthropic;

/// <summary>Builds the Anthropic SDK client of one deployment: its endpoint, its key, its named HttpClient, no SDK retries.</summary>
internal static class AnthropicDeploymentClientFactory
{
    /// <summary>The prefix of the named HttpClient of each deployment; the deployment id follows.</summary>
    public const string HttpClientNamePrefix = "Intercom.AiCompliance.Anthropic:";

    public static IChatClient CreateChatClient(IServiceProvider services, ProviderDeployment deployment)
    {
        var options = services.GetRequiredService<IOptions<AnthropicProviderOptions>>().Value;
        var key = options.ApiKeyProvider?.Invoke(services, deployment);
        if (string.IsNullOrWhiteSpace(key))
        {
            key = options.ApiKey;
        }

        if (string.IsNullOrWhiteSpace(key))
        {
            throw new InvalidOperationException(
                $"Anthropic deployment '{deployment.Id}' has no API key: set AiComplianceAnthropic:ApiKey, or AnthropicProviderOptions.ApiKey or ApiKeyProvider in AddAnthropicClients.");
        }

        if (options.DefaultMaxOutputTokens <= 0)
        {
            throw new InvalidOperationException($"AiComplianceAnthropic:DefaultMaxOutputTokens must be positive (Anthropic deployment '{deployment.Id}').");
        }

        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientNamePrefix + deployment.Id);
        // The SDK's own timeout bounds each call; the named client's must not cut it first.
        http.Timeout = Timeout.InfiniteTimeSpan;
        var client = new AnthropicClient(new ClientOptions
        {
            ApiKey = key,
            BaseUrl = BaseUrlOf(deployment),
            HttpClient = http,
            // The router retries and fails over, inside the compliant set only; the SDK must not retry on its own.
            MaxRetries = 0,
            Timeout = options.NetworkTimeout,
            // No SDK spans: the router's own activities describe each attempt without content, and a host that wants
            // M.E.AI spans composes UseOpenTelemetry. Given explicitly, so the ANTHROPIC_OPEN_TELEMETRY* variables
            // (which can turn on prompt and answer capture) are not read.
            OpenTelemetry = new OpenTelemetryOptions { Traces = new OpenTelemetryTraces { Enabled = false } },
        });
        return new AnthropicSdkChatClient(client.AsIChatClient(deployment.Model, options.DefaultMaxOutputTokens));
    }

    /// <summary>
    /// The deployment's endpoint as the SDK's base address (the SDK adds <c>/v1/messages</c>):
    /// <c>https://api.anthropic.com</c>, <c>https://api.anthropic.com/</c> and <c>https://api.anthropic.com/v1</c> all mean
    /// <c>https://api.anthropic.com</c>; any other path is kept.
    /// </summary>
    public static string BaseUrlOf(ProviderDeployment deployment)
    {
        if (!Uri.TryCreate(deployment.Endpoint, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"Anthropic deployment '{deployment.Id}' has no absolute endpoint.");
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase))
        {
            path = path[..^3];
        }

        return new UriBuilder(uri) { Path = path }.Uri.ToString().TrimEnd('/');
    }
}
