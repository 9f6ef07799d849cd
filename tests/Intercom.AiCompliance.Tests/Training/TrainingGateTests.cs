using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Training;

public class TrainingGateTests
{
    private sealed class Rig : IAsyncDisposable
    {
        public Rig(Anonymizer? anonymizer = null)
        {
            Clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
            Ledger = new TrainingConsentLedger(new InMemoryConsentEventStore(), Clock);
            Sink = new InMemoryTrainingDataSink();
            Audit = new InMemoryAuditSink();
            Trail = new AuditTrail(Audit);
            Profiles = new InMemoryWorkspaceProfileStore([Requests.Profile("ws")]);
            var (adapters, _) = ScriptedAdapter.ForEveryProvider(Clock);
            Router = new ProviderRouter(new RoutingPlanner(ProviderCatalog.Create([Deployments.Make("a", region: Region.EU), Deployments.Make("b", region: Region.AU), Deployments.Make("c")]), ComplianceRuleSet.Default),
                adapters, Profiles, Trail, new ProviderRouterOptions(), Clock, null, new TrainingGate(Ledger, Sink, anonymizer, Clock));
        }

        public FakeTimeProvider Clock { get; }

        public TrainingConsentLedger Ledger { get; }

        public InMemoryTrainingDataSink Sink { get; }

        public InMemoryAuditSink Audit { get; }

        public AuditTrail Trail { get; }

        public InMemoryWorkspaceProfileStore Profiles { get; }

        public ProviderRouter Router { get; }

        public ValueTask DisposeAsync() => Trail.DisposeAsync();
    }

    [Test]
    public async Task SendAsync_ConsentingWorkspace_OffersAnonymisedDataAndAuditsTheDecision()
    {
        await using var rig = new Rig();
        rig.Profiles.Upsert(Requests.Profile("ws") with { CustomerReferences = new CustomerReferences { CompanyNames = ["Acme Inc."] } });
        await rig.Router.SendAsync(Requests.Make("ws", text: "I'm Jane (jane@example.org) from Acme") with { ParticipantNames = ["Jane"] });

        var sample = rig.Sink.Samples.Should().ContainSingle().Subject;
        sample.Input.Should().Equal("I'm [PERSON] ([EMAIL]) from [COMPANY]");
        sample.Output.Should().ContainSingle();
        var record = rig.Audit.Records.Single();
        record.Consent.Should().Be("OptedIn (StandardDefault)");
        record.TrainingDecision.Should().Be("offered");
    }

    [Test]
    public async Task SendAsync_DefaultOptOutClass_NothingOfferedAndAuditSaysWhy()
    {
        await using var rig = new Rig();
        rig.Profiles.Upsert(Requests.Profile("ws", Region.EU));
        await rig.Router.SendAsync(Requests.Make("ws"));

        rig.Sink.Samples.Should().BeEmpty();
        rig.Audit.Records.Single().Should().Match<AuditRecord>(r =>
            r.Consent == "OptedOut (DefaultRegionalHosting)" && r.TrainingDecision == "withheld-no-consent");
    }

    [Test]
    public async Task SendAsync_AnonymisationFails_NothingOfferedAndAuditSaysSo()
    {
        await using var rig = new Rig(new Anonymizer(new PersonalDataDetector([new ThrowingRecognizer()])));
        var response = await rig.Router.SendAsync(Requests.Make("ws"));

        response.Should().NotBeNull("training is secondary: the answer is still returned");
        rig.Sink.Samples.Should().BeEmpty();
        rig.Audit.Records.Single().TrainingDecision.Should().Be("withheld-anonymisation-failed");
    }

    [Test]
    public async Task OfferAsync_LedgerUnavailable_WithholdsAndSaysSo()
    {
        var sink = new InMemoryTrainingDataSink();
        var gate = new TrainingGate(new BrokenLedger(), sink);
        var decision = await gate.OfferAsync(Requests.Make("ws"), Requests.Profile("ws"), new ChatOutput(new Microsoft.Extensions.AI.ChatResponse()), default);
        decision.Should().Match<TrainingDecision>(d => !d.Offered && d.Outcome == "withheld-consent-unavailable");
        sink.Samples.Should().BeEmpty();
    }

    private sealed class BrokenLedger : ITrainingConsentLedger
    {
        public ValueTask<PendingOptOut> RequestOptOutAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default) => throw new IOException();

        public ValueTask<ConsentEvent> GrantOptOutAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default) => throw new IOException();

        public ValueTask<ConsentEvent> OptInAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default) => throw new IOException();

        public ValueTask<EffectiveConsent> GetEffectiveAsync(WorkspaceComplianceProfile profile, CancellationToken cancellationToken = default) => throw new IOException("ledger down");

        public ValueTask<IReadOnlyList<PendingOptOut>> DueWithinAsync(TimeSpan window, CancellationToken cancellationToken = default) => throw new IOException();

        public ValueTask<IReadOnlyList<PendingOptOut>> OverdueAsync(CancellationToken cancellationToken = default) => throw new IOException();
    }

    /// <summary>
    /// DESIGN.md invariant 8: whatever the interleaving of requests and ledger changes (and changes of the workspace's
    /// class), a workspace that has requested an opt-out or is in a default opt-out class never reaches the sink.
    /// </summary>
    [Test]
    public void RandomInterleavings_OptedOutWorkspaceNeverReachesTheSink()
    {
        var steps = Gen.Choose(0, 9).ArrayOf().Select(a => a.Take(40).ToArray());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true), Prop.ForAll(steps.ToArbitrary(), ops =>
        {
            RunInterleaving(ops).GetAwaiter().GetResult();
        }));
    }

    private static async Task RunInterleaving(int[] ops)
    {
        await using var rig = new Rig();
        var profile = Requests.Profile("ws");
        var lastEvent = (ConsentEventKind?)null;
        foreach (var op in ops)
        {
            switch (op)
            {
                case 0 or 1 or 2:
                    var before = rig.Sink.Samples.Count;
                    await rig.Router.SendAsync(Requests.Make("ws"));
                    var offered = rig.Sink.Samples.Count > before;

                    // The model, written from DOMAIN.md independently of the ledger.
                    var allowed = lastEvent switch
                    {
                        ConsentEventKind.OptedIn => true,
                        ConsentEventKind.OptOutRequested or ConsentEventKind.OptOutGranted => false,
                        _ => profile.ContractType == ContractType.Standard && !profile.HandlesHealthData && profile.HostingRegion == Region.US,
                    };
                    offered.Should().Be(allowed, $"after ops [{string.Join(",", ops)}] with last event {lastEvent} and profile {profile.HostingRegion}/{profile.ContractType}/hipaa={profile.HandlesHealthData}");
                    break;
                case 3:
                    await rig.Ledger.RequestOptOutAsync("ws");
                    lastEvent = ConsentEventKind.OptOutRequested;
                    break;
                case 4:
                    if (lastEvent == ConsentEventKind.OptOutRequested)
                    {
                        await rig.Ledger.GrantOptOutAsync("ws");
                        lastEvent = ConsentEventKind.OptOutGranted;
                    }

                    break;
                case 5:
                    await rig.Ledger.OptInAsync("ws");
                    lastEvent = ConsentEventKind.OptedIn;
                    break;
                case 6:
                    rig.Clock.Advance(TimeSpan.FromDays(11));
                    break;
                case 7:
                    profile = profile with { ContractType = profile.ContractType == ContractType.Standard ? ContractType.Mssa : profile.ContractType == ContractType.Mssa ? ContractType.Trial : ContractType.Standard };
                    rig.Profiles.Upsert(profile);
                    break;
                case 8:
                    profile = profile with { HostingRegion = profile.HostingRegion == Region.US ? Region.EU : profile.HostingRegion == Region.EU ? Region.AU : Region.US };
                    rig.Profiles.Upsert(profile);
                    break;
                default:
                    profile = profile with { HandlesHealthData = !profile.HandlesHealthData };
                    rig.Profiles.Upsert(profile);
                    break;
            }
        }

        rig.Sink.Samples.Should().NotContain(s => s.WorkspaceId != "ws");
    }

    private sealed class ThrowingRecognizer : IPersonalDataRecognizer
    {
        public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) =>
            throw new System.Text.RegularExpressions.RegexMatchTimeoutException();
    }
}
