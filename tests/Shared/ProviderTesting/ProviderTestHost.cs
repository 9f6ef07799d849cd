using System.Globalization;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>
/// The part every provider's test host shares: a host configured the way a user would, from in-memory configuration,
/// with <c>AddAiCompliance</c>, an in-memory audit sink, a fake clock and trace-level logging into an optional capturing
/// provider. A provider's host only adds its catalogue rows and its <c>Add…Clients</c> call.
/// </summary>
public abstract class ProviderTestHost : IAsyncDisposable
{
    private ServiceProvider? _provider;

    /// <summary>The fake clock the host runs on.</summary>
    public FakeTimeProvider Clock { get; } = new();

    /// <summary>The in-memory audit sink.</summary>
    public InMemoryAuditSink Sink { get; } = new();

    /// <summary>The router under test.</summary>
    public IProviderRouter Router { get; private set; } = null!;

    /// <summary>The built container.</summary>
    public IServiceProvider Services => _provider!;

    /// <summary>
    /// The settings every host starts from: loopback endpoints allowed, retries without delay or jitter, and one Standard
    /// workspace without health data.
    /// </summary>
    public static List<(string, string?)> CoreSettings(int maxRetryAttempts, string workspaceId, string workspaceRegion) =>
    [
        ("AiCompliance:Catalog:AllowLoopbackEndpoints", "true"),
        ("AiCompliance:Router:Retry:MaxRetryAttempts", maxRetryAttempts.ToString(CultureInfo.InvariantCulture)),
        ("AiCompliance:Router:Retry:BaseDelay", "00:00:00"),
        ("AiCompliance:Router:Retry:UseJitter", "false"),
        ("AiCompliance:Workspaces:0:WorkspaceId", workspaceId),
        ("AiCompliance:Workspaces:0:HostingRegion", workspaceRegion),
        ("AiCompliance:Workspaces:0:ContractType", "Standard"),
        ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
    ];

    /// <summary>
    /// The catalogue rows every deployment shares after its provider specifics: zero data retention and no training
    /// attested (under <paramref name="zeroRetentionReference"/> and <paramref name="noTrainingReference"/>), and its quality figures.
    /// </summary>
    public static IEnumerable<(string, string?)> AttestedQuality(string prefix, string zeroRetentionReference, string noTrainingReference, double resolution,
        string hallucination = "0.05", string latencyMs = "800") =>
    [
        (prefix + "Attestations:0:Kind", "ZeroDataRetention"),
        (prefix + "Attestations:0:Reference", zeroRetentionReference),
        (prefix + "Attestations:0:EffectiveFrom", "2025-01-01T00:00:00Z"),
        (prefix + "Attestations:1:Kind", "NoTraining"),
        (prefix + "Attestations:1:Reference", noTrainingReference),
        (prefix + "Attestations:1:EffectiveFrom", "2025-01-01T00:00:00Z"),
        (prefix + "Quality:ResolutionRate", resolution.ToString(CultureInfo.InvariantCulture)),
        (prefix + "Quality:HallucinationRate", hallucination),
        (prefix + "Quality:LatencyMs", latencyMs),
    ];

    /// <summary>A chat request of the Fin AI agent answering an end user in <paramref name="workspaceId"/>.</summary>
    public static AiRequest ChatRequest(string workspaceId, IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options) => new()
    {
        WorkspaceId = workspaceId,
        Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent,
        Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser,
        Payload = new ChatPayload(messages, options),
    };

    /// <summary>A single user message.</summary>
    public static Microsoft.Extensions.AI.ChatMessage[] UserSays(string text) => [new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, text)];

    /// <summary>
    /// Builds the host: the configuration from <paramref name="settings"/>, the clock, logging, <c>AddAiCompliance</c> with
    /// the audit sink, then <paramref name="addProvider"/> (the provider package) and <paramref name="host"/> (a test's own services).
    /// </summary>
    protected void Build(IEnumerable<(string, string?)> settings, ILoggerProvider? logs, Action<AiComplianceBuilder, IConfiguration> addProvider,
        Action<IServiceCollection>? beforeCompliance = null, Action<IServiceCollection>? host = null)
    {
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
        beforeCompliance?.Invoke(services);
        addProvider(services.AddAiCompliance(configuration.GetSection("AiCompliance")).UseAuditSink(Sink), configuration);
        host?.Invoke(services);
        _provider = services.BuildServiceProvider();
        Router = _provider.GetRequiredService<IProviderRouter>();
    }

    /// <summary>Disposes the container.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
