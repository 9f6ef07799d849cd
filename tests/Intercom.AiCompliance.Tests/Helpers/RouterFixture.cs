using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>A router over given deployments with a scripted spy client per deployment, an in-memory audit sink and a chosen clock.</summary>
public sealed class RouterFixture : IAsyncDisposable
{
    public RouterFixture(
        IEnumerable<ProviderDeployment> deployments,
        TimeProvider? time = null,
        ProviderRouterOptions? options = null,
        IAuditSink? sink = null,
        DeploymentClientRegistry? clients = null,
        params WorkspaceComplianceProfile[] profiles)
    {
        Time = time ?? new FakeTimeProvider();
        var (scripted, shared) = ScriptedClient.ForEveryProvider(Time);
        Spy = shared;
        Sink = sink ?? new InMemoryAuditSink();
        Trail = new AuditTrail(Sink, AuditKeys.Options());
        Profiles = new InMemoryWorkspaceProfileStore(profiles.Length > 0 ? profiles : [Requests.Profile()]);
        Options = options ?? new ProviderRouterOptions
        {
            Retry = { BaseDelay = TimeSpan.Zero, UseJitter = false },
        };
        Router = new ProviderRouter(
            new RoutingPlanner(ProviderCatalog.Create(deployments), ComplianceRuleSet.Default),
            clients ?? scripted, Profiles, Trail, Options, Time);
    }

    public TimeProvider Time { get; }

    public FakeTimeProvider? FakeTime => Time as FakeTimeProvider;

    public ScriptedClient.Shared Spy { get; }

    public IAuditSink Sink { get; }

    /// <summary>The outcome records (one per request), without the write-ahead intents.</summary>
    public IReadOnlyList<AuditRecord> Records => ((InMemoryAuditSink)Sink).Records.Outcomes();

    /// <summary>Every stored record, intents included, in chain order.</summary>
    public IReadOnlyList<AuditRecord> AllRecords => ((InMemoryAuditSink)Sink).Records;

    /// <summary>The write-ahead intents.</summary>
    public IReadOnlyList<AuditRecord> Intents => ((InMemoryAuditSink)Sink).Records.Intents();

    public AuditTrail Trail { get; }

    public InMemoryWorkspaceProfileStore Profiles { get; }

    public ProviderRouterOptions Options { get; }

    public ProviderRouter Router { get; }

    public ValueTask DisposeAsync() => Trail.DisposeAsync();
}
