using Intercom.AiCompliance.OpenAI;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.OpenAI.Tests.Helpers;

/// <summary>
/// A host configured the way a user would: OpenAI deployments "a" (preferred) and "b" in the catalogue, both pointing at
/// the loopback fake (under /a/v1 and /b/v1), served by <c>AddOpenAIClients</c>, an in-memory audit sink and a fake clock.
/// </summary>
public sealed class OpenAIHost : ProviderTestHost
{
    public const string ApiKey = "sk-test-Secret0123456789abcdefKEY";

    public OpenAIHost(FakeOpenAIServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, Action<OpenAIProviderOptions>? configure = null,
        string workspaceRegion = "US", IEnumerable<(string, string?)>? extra = null, Action<IServiceCollection>? host = null, string[]? capabilities = null)
    {
        var settings = CoreSettings(maxRetryAttempts, "ws-1", workspaceRegion);
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a/v1", 0.9, capabilities: capabilities));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b/v1", 0.5, capabilities: capabilities));
        settings.AddRange(extra ?? []);
        Build(settings, logs, (builder, _) => builder.AddOpenAIClients(configure ?? (o => o.ApiKey = ApiKey)), host: host);
    }

    public static IEnumerable<(string, string?)> Deployment(int i, string id, string endpoint, double resolution, string region = "US", string[]? capabilities = null)
    {
        var p = $"AiCompliance:Catalog:Deployments:{i}:";
        return
        [
            .. (capabilities ?? ["Chat", "Embeddings"]).Select((c, n) => (p + $"Capabilities:{n}", (string?)c)),
            (p + "Id", id),
            (p + "Provider", "OpenAI"),
            (p + "Subprocessor", "OpenAI, LLC"),
            (p + "Model", "model-" + id),
            (p + "ProcessingRegions:0", region),
            (p + "SubprocessorLists:0", "global"),
            (p + "Endpoint", endpoint),
            .. AttestedQuality(p, "OPENAI-ZDR", "OPENAI-NT", resolution),
        ];
    }

    public static AiRequest Chat(Microsoft.Extensions.AI.ChatOptions? options = null, string text = "How do I reset my password?") => ChatRequest("ws-1", UserSays(text), options);
}
