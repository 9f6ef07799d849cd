using Intercom.AiCompliance.Audit;
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
public sealed class AnthropicHost : IAsyncDisposable
{
    public const string ApiKey = "sk-ant-api03-Secret0123456789abcdefKEY";

    private readonly ServiceProvider _provider;

    public AnthropicHost(FakeAnthropicServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, Action<AnthropicProviderOptions>? configure = null,
        string workspaceRegion = "US", IEnumerable<(string, string?)>? anthropicSection = null, Action<IServiceCollection>? host = null)
    {
        var settings = new List<(string, string?)>
        {
            ("AiCompliance:Catalog:AllowLoopbackEndpoints", "true"),
            ("AiCompliance:Router:Retry:MaxRetryAttempts", maxRetryAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("AiCompliance:Router:Retry:BaseDelay", "00:00:00"),
            ("AiCompliance:Router:Retry:UseJitter", "false"),
            ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
            ("AiCompliance:Workspaces:0:HostingRegion", workspaceRegion),
            ("AiCompliance:Workspaces:0:ContractType", "Standard"),
            ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
        };
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a", 0.9));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b", 0.5));
        settings.AddRange(anthropicSection ?? []);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(p => new KeyValuePair<string, string?>(p.Item1, p.Item2))).Build();

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddLogging(l =>
        {
            l.SetMinimumLevel(LogLevel.Trace);
            if (logs is not null)
            {
                l.AddProvider(logs);
            }
        });
        var builder = services.AddAiCompliance(configuration.GetSection("AiCompliance")).UseAuditSink(Sink);
        if (anthropicSection is not null)
        {
            builder.AddAnthropicClients(configuration.GetSection("AiComplianceAnthropic"), configure);
        }
        else
        {
            builder.AddAnthropicClients(configure ?? (o => o.ApiKey = ApiKey));
        }

        host?.Invoke(services);
        _provider = services.BuildServiceProvider();
        Router = _provider.GetRequiredService<IProviderRouter>();
    }

    public FakeTimeProvider Clock { get; } = new();

    public InMemoryAuditSink Sink { get; } = new();

    public IProviderRouter Router { get; }

    public IServiceProvider Services => _provider;

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
            (p + "Attestations:0:Kind", "ZeroDataRetention"),
            (p + "Attestations:0:Reference", "ANTHROPIC-ZDR"),
            (p + "Attestations:0:EffectiveFrom", "2025-01-01T00:00:00Z"),
            (p + "Attestations:1:Kind", "NoTraining"),
            (p + "Attestations:1:Reference", "ANTHROPIC-NT"),
            (p + "Attestations:1:EffectiveFrom", "2025-01-01T00:00:00Z"),
            (p + "Quality:ResolutionRate", resolution.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (p + "Quality:HallucinationRate", "0.05"),
            (p + "Quality:LatencyMs", "800"),
        ];
    }

    public static AiRequest Chat(Microsoft.Extensions.AI.ChatOptions? options = null, params Microsoft.Extensions.AI.ChatMessage[] messages) => new()
    {
        WorkspaceId = "ws-1",
        Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent,
        Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser,
        Payload = new ChatPayload(messages.Length > 0 ? messages : [new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "How do I reset my password?")], options),
    };

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();
}
