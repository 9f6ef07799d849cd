using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.OpenAI;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.OpenAI.Tests.Helpers;

/// <summary>
/// A host configured the way a user would: OpenAI deployments "a" (preferred) and "b" in the catalogue, both pointing at
/// the loopback fake (under /a/v1 and /b/v1), served by <c>AddOpenAIClients</c>, an in-memory audit sink and a fake clock.
/// </summary>
public sealed class OpenAIHost : IAsyncDisposable
{
    public const string ApiKey = "sk-test-Secret0123456789abcdefKEY";

    private readonly ServiceProvider _provider;

    public OpenAIHost(FakeOpenAIServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, Action<OpenAIProviderOptions>? configure = null,
        string workspaceRegion = "US", IEnumerable<(string, string?)>? extra = null, Action<IServiceCollection>? host = null, string[]? capabilities = null)
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
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a/v1", 0.9, capabilities: capabilities));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b/v1", 0.5, capabilities: capabilities));
        settings.AddRange(extra ?? []);
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
        services.AddAiCompliance(configuration.GetSection("AiCompliance"))
            .UseAuditSink(Sink)
            .AddOpenAIClients(configure ?? (o => o.ApiKey = ApiKey));
        host?.Invoke(services);
        _provider = services.BuildServiceProvider();
        Router = _provider.GetRequiredService<IProviderRouter>();
    }

    public FakeTimeProvider Clock { get; } = new();

    public InMemoryAuditSink Sink { get; } = new();

    public IProviderRouter Router { get; }

    public IServiceProvider Services => _provider;

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
            (p + "Attestations:0:Kind", "ZeroDataRetention"),
            (p + "Attestations:0:Reference", "OPENAI-ZDR"),
            (p + "Attestations:0:EffectiveFrom", "2025-01-01T00:00:00Z"),
            (p + "Attestations:1:Kind", "NoTraining"),
            (p + "Attestations:1:Reference", "OPENAI-NT"),
            (p + "Attestations:1:EffectiveFrom", "2025-01-01T00:00:00Z"),
            (p + "Quality:ResolutionRate", resolution.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (p + "Quality:HallucinationRate", "0.05"),
            (p + "Quality:LatencyMs", "800"),
        ];
    }

    public static AiRequest Chat(Microsoft.Extensions.AI.ChatOptions? options = null, string text = "How do I reset my password?") => new()
    {
        WorkspaceId = "ws-1",
        Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent,
        Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser,
        Payload = new ChatPayload([new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, text)], options),
    };

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();
}
