using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Anthropic.Tests.Helpers;

/// <summary>
/// A host configured the way a user would: Anthropic deployments "a" (preferred) and "b" in the catalogue, both pointing
/// at the loopback fake (under /a and /b), served by <c>AddAnthropicClients</c>, an in-memory audit sink and a fake clock.
/// </summary>
public sealed class AnthropicHost : ProviderTestHost
{
    public const string ApiKey = "sk-ant-api03-Secret0123456789abcdefKEY";

    public AnthropicHost(FakeAnthropicServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, Action<AnthropicProviderOptions>? configure = null,
        string workspaceRegion = "US", IEnumerable<(string, string?)>? anthropicSection = null, Action<IServiceCollection>? host = null)
    {
        var settings = CoreSettings(maxRetryAttempts, "ws-1", workspaceRegion);
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a", 0.9));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b", 0.5));
        settings.AddRange(anthropicSection ?? []);
        Build(settings, logs, (builder, configuration) =>
        {
            if (anthropicSection is not null)
            {
                builder.AddAnthropicClients(configuration.GetSection("AiComplianceAnthropic"), configure);
            }
            else
            {
                builder.AddAnthropicClients(configure ?? (o => o.ApiKey = ApiKey));
            }
        }, host: host);
    }

    public static ComplianceContext Context { get; } = new()
    {
        WorkspaceId = "ws-1",
        Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent,
        Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser,
    };

    public static IEnumerable<(string, string?)> Deployment(int i, string id, string endpoint, double resolution, string region = "US")
    {
        var p = $"AiCompliance:Catalog:Deployments:{i}:";
        return
        [
            (p + "Capabilities:0", "Chat"),
            (p + "Id", id),
            (p + "Provider", "Anthropic"),
            (p + "Subprocessor", "Anthropic, PBC"),
            (p + "Model", "model-" + id),
            (p + "ProcessingRegions:0", region),
            (p + "SubprocessorLists:0", "global"),
            (p + "Endpoint", endpoint),
            .. AttestedQuality(p, "ANTHROPIC-ZDR", "ANTHROPIC-NT", resolution),
        ];
    }

    public static AiRequest Chat(Microsoft.Extensions.AI.ChatOptions? options = null, params Microsoft.Extensions.AI.ChatMessage[] messages) =>
        ChatRequest("ws-1", messages.Length > 0 ? messages : UserSays("How do I reset my password?"), options);
}
