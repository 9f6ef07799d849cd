using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.AzureOpenAI.Tests.Helpers;

/// <summary>
/// A host configured the way a user would: Azure OpenAI deployments "a" (preferred) and "b", both Standard deployments
/// declared EU-only, their resource endpoints on the loopback fake (under /a and /b), served by <c>AddAzureOpenAIClients</c>,
/// an EU workspace, an in-memory audit sink and a fake clock.
/// </summary>
public sealed class AzureOpenAIHost : IAsyncDisposable
{
    public const string ApiKey = "azkey-Secret0123456789abcdefAZUREKEY";

    private readonly ServiceProvider _provider;

    public AzureOpenAIHost(FakeAzureOpenAIServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, Action<AzureOpenAIProviderOptions>? configure = null,
        Action<IServiceCollection>? host = null)
    {
        var settings = new List<(string, string?)>
        {
            ("AiCompliance:Catalog:AllowLoopbackEndpoints", "true"),
            ("AiCompliance:Router:Retry:MaxRetryAttempts", maxRetryAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("AiCompliance:Router:Retry:BaseDelay", "00:00:00"),
            ("AiCompliance:Router:Retry:UseJitter", "false"),
            ("AiCompliance:Workspaces:0:WorkspaceId", "ws-eu"),
            ("AiCompliance:Workspaces:0:HostingRegion", "EU"),
            ("AiCompliance:Workspaces:0:ContractType", "Standard"),
            ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
        };
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a", 0.9));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b", 0.5));
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
            .AddAzureOpenAIClients(configure ?? (o => o.ApiKey = ApiKey));
        host?.Invoke(services);
        _provider = services.BuildServiceProvider();
        Router = _provider.GetRequiredService<IProviderRouter>();
    }

    public FakeTimeProvider Clock { get; } = new();

    public InMemoryAuditSink Sink { get; } = new();

    public IProviderRouter Router { get; }

    public IDeploymentQuarantine Quarantine => _provider.GetRequiredService<IDeploymentQuarantine>();

    public IServiceProvider Services => _provider;

    public IReadOnlyList<AuditRecord> RequestRecords => Sink.Records.Where(r => r.Kind is null && r.Outcome != AuditOutcome.Intent).ToArray();

    public IReadOnlyList<AuditRecord> QuarantineRecords => Sink.Records.Where(r => r.Kind == AuditRecord.QuarantineKind).ToArray();

    public static IEnumerable<(string, string?)> Deployment(int i, string id, string endpoint, double resolution)
    {
        var p = $"AiCompliance:Catalog:Deployments:{i}:";
        return
        [
            (p + "Capabilities:0", "Chat"),
            (p + "Capabilities:1", "Embeddings"),
            (p + "Id", id),
            (p + "Provider", "AzureOpenAI"),
            (p + "DeploymentType", "Standard"),
            (p + "Subprocessor", "Microsoft Corporation"),
            (p + "Model", "deployment-" + id),
            (p + "ProcessingRegions:0", "EU"),
            (p + "SubprocessorLists:0", "global"),
            (p + "SubprocessorLists:1", "eu"),
            (p + "Endpoint", endpoint),
            (p + "Attestations:0:Kind", "ZeroDataRetention"),
            (p + "Attestations:0:Reference", "MSFT-ZDR"),
            (p + "Attestations:0:EffectiveFrom", "2025-01-01T00:00:00Z"),
            (p + "Attestations:1:Kind", "NoTraining"),
            (p + "Attestations:1:Reference", "MSFT-NT"),
            (p + "Attestations:1:EffectiveFrom", "2025-01-01T00:00:00Z"),
            (p + "Quality:ResolutionRate", resolution.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (p + "Quality:HallucinationRate", "0.05"),
            (p + "Quality:LatencyMs", "800"),
        ];
    }

    public static AiRequest Chat(Microsoft.Extensions.AI.ChatOptions? options = null, string text = "How do I reset my password?") => new()
    {
        WorkspaceId = "ws-eu",
        Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent,
        Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser,
        Payload = new ChatPayload([new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, text)], options),
    };

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();
}
