using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Bedrock.Tests.Helpers;

/// <summary>
/// A host configured the way a user would: Bedrock deployments "a" (preferred) and "b" in the catalogue, both on the
/// loopback fake (under /a and /b), served by <c>AddBedrockClients</c> with explicit keys, an in-memory audit sink and a fake clock.
/// </summary>
internal sealed class BedrockHost : IAsyncDisposable
{
    public const string AccessKeyId = "AKIATESTBEDROCK0KEY1";
    public const string SecretAccessKey = "Secret/Bedrock+0123456789abcdefXYZsecret";
    public const string SessionToken = "FwoGZXIvYXdzEBsessionTOKEN0123456789";
    public const string ModelA = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    public const string ModelB = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0";

    private readonly ServiceProvider _provider;

    public BedrockHost(FakeBedrockServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, Action<BedrockProviderOptions>? configure = null,
        string workspaceRegion = "US", string[]? capabilities = null, string? modelA = null, string? modelB = null, Action<IServiceCollection>? host = null, IEnumerable<(string, string?)>? section = null)
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
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a", modelA ?? ModelA, 0.9, capabilities: capabilities));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b", modelB ?? ModelB, 0.5, capabilities: capabilities));
        settings.AddRange(section ?? []);
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
        if (section is null)
        {
            builder.AddBedrockClients(configure ?? (o =>
            {
                o.AccessKeyId = AccessKeyId;
                o.SecretAccessKey = SecretAccessKey;
            }));
        }
        else
        {
            builder.AddBedrockClients(configuration.GetSection(BedrockAiComplianceBuilderExtensions.SectionName), configure);
        }

        host?.Invoke(services);
        _provider = services.BuildServiceProvider();
        Router = _provider.GetRequiredService<IProviderRouter>();
    }

    public FakeTimeProvider Clock { get; } = new();

    public InMemoryAuditSink Sink { get; } = new();

    public IProviderRouter Router { get; }

    public static IEnumerable<(string, string?)> Deployment(int i, string id, string endpoint, string model, double resolution, string region = "US", string[]? capabilities = null)
    {
        var p = $"AiCompliance:Catalog:Deployments:{i}:";
        return
        [
            .. (capabilities ?? ["Chat"]).Select((c, n) => (p + $"Capabilities:{n}", (string?)c)),
            (p + "Id", id),
            (p + "Provider", "AwsBedrock"),
            (p + "Subprocessor", "Amazon Web Services, Inc."),
            (p + "Model", model),
            (p + "ProcessingRegions:0", region),
            (p + "SubprocessorLists:0", "global"),
            (p + "Endpoint", endpoint),
            (p + "Attestations:0:Kind", "ZeroDataRetention"),
            (p + "Attestations:0:Reference", "AWS-ZDR"),
            (p + "Attestations:0:EffectiveFrom", "2025-01-01T00:00:00Z"),
            (p + "Attestations:1:Kind", "NoTraining"),
            (p + "Attestations:1:Reference", "AWS-NT"),
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

    public static ComplianceContext Context => new()
    {
        WorkspaceId = "ws-1",
        Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent,
        Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser,
    };

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();
}
