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
        public Rig(Anonymizer? anonymizer = null, IAuditSink? audit = null, ITrainingDataSink? sink = null, ProviderRouterOptions? options = null, ITrainingConsentLedger? ledger = null)
        {
            Clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
            Ledger = new TrainingConsentLedger(new InMemoryConsentEventStore(), Clock);
            Sink = new InMemoryTrainingDataSink();
            AuditSink = audit ?? new InMemoryAuditSink();
            Trail = new AuditTrail(AuditSink, AuditKeys.Options());
            Profiles = new InMemoryWorkspaceProfileStore([Requests.Profile("ws")]);
            var (adapters, spy) = ScriptedClient.ForEveryProvider(Clock);
            Spy = spy;
            Router = new ProviderRouter(new RoutingPlanner(ProviderCatalog.Create([Deployments.Make("a", region: Region.EU), Deployments.Make("b", region: Region.AU), Deployments.Make("c")]), ComplianceRuleSet.Default),
                adapters, Profiles, Trail, options ?? new ProviderRouterOptions(), Clock, null, new TrainingGate(ledger ?? Ledger, sink ?? Sink, anonymizer, Clock));
            Router.TrainingDecided += (id, d) => Decisions[id] = d;
        }

        public ScriptedClient.Shared Spy { get; }

        public System.Collections.Concurrent.ConcurrentDictionary<string, TrainingDecision> Decisions { get; } = new();

        public InMemoryAuditSink Audit => (InMemoryAuditSink)AuditSink;

        public IAuditSink AuditSink { get; }

        /// <summary>Sends, then waits (at most 10 s, so a regression fails instead of hanging) until its training offer is decided.</summary>
        public async Task<AiResponse> SendAndSettleAsync(AiRequest request)
        {
            var response = await Router.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(10));
            await Router.WaitForTrainingOffersAsync().WaitAsync(TimeSpan.FromSeconds(10));
            return response;
        }

        public FakeTimeProvider Clock { get; }

        public TrainingConsentLedger Ledger { get; }

        public InMemoryTrainingDataSink Sink { get; }

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
        await rig.SendAndSettleAsync(Requests.Make("ws", text: "I'm Jane (jane@example.org) from Acme") with { ParticipantNames = ["Jane"] });

        var sample = rig.Sink.Samples.Should().ContainSingle().Subject;
        sample.Input.Should().Equal("I'm [PERSON] ([EMAIL]) from [COMPANY]");
        sample.Output.Should().ContainSingle();
        var record = rig.Audit.Outcomes().Single();
        record.Consent.Should().Be("OptedIn (StandardDefault)", "the record states the consent and the rule behind it");
        record.TrainingDecision.Should().Be("offer-after-record", "the sample is offered only once the record is stored");
        var decision = rig.Decisions[record.EventId];
        decision.Consent!.ToString().Should().Be("OptedIn (StandardDefault)");
        decision.Outcome.Should().Be("offered");
    }

    [Test]
    public async Task SendAsync_DefaultOptOutClass_NothingOfferedAndAuditSaysWhy()
    {
        await using var rig = new Rig();
        rig.Profiles.Upsert(Requests.Profile("ws", Region.EU));
        await rig.SendAndSettleAsync(Requests.Make("ws"));

        rig.Sink.Samples.Should().BeEmpty();
        var record = rig.Audit.Outcomes().Single();
        record.Consent.Should().Be("OptedOut (DefaultRegionalHosting)", "the record states the consent and the rule behind it");
        record.TrainingDecision.Should().Be("withheld-no-consent");
        rig.Decisions.Should().NotContainKey(record.EventId, "nothing is handed to the gate without consent");
    }

    [Test]
    public async Task SendAsync_AnonymisationFails_NothingOfferedAndAuditSaysSo()
    {
        await using var rig = new Rig(new Anonymizer(new PersonalDataDetector([new ThrowingRecognizer()])));
        var response = await rig.SendAndSettleAsync(Requests.Make("ws"));

        response.Should().NotBeNull("training is secondary: the answer is still returned");
        rig.Sink.Samples.Should().BeEmpty();
        rig.Decisions[rig.Audit.Outcomes().Single().EventId].Outcome.Should().Be("withheld-anonymisation-failed");
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

    [Test]
    public async Task SendAsync_LedgerUnavailable_AnswersRecordSaysConsentUnknownAndNothingIsOffered()
    {
        await using var rig = new Rig(ledger: new BrokenLedger());
        var response = await rig.SendAndSettleAsync(Requests.Make("ws"));

        response.Should().NotBeNull("the request already succeeded; training is secondary");
        var record = rig.Audit.Outcomes().Single();
        record.Consent.Should().BeNull("the ledger could not say");
        record.TrainingDecision.Should().Be("withheld-consent-unavailable", "unknown consent means no");
        rig.Sink.Samples.Should().BeEmpty();
        rig.Decisions.Should().BeEmpty("nothing is handed to the gate without known consent");
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
                    await rig.SendAndSettleAsync(Requests.Make("ws"));
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

    [Test]
    [CancelAfter(30_000)]
    public async Task OfferAsync_ConsentWithdrawnWhileAnonymising_NothingOffered(CancellationToken token)
    {
        // The last-moment re-check: consent allowed training when the gate started, and an opt-out was requested while
        // the sample was being anonymised. Without the re-check just before the offer, the sample would reach the sink.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var ledger = new TrainingConsentLedger(new InMemoryConsentEventStore(), clock);
        var sink = new InMemoryTrainingDataSink();
        var gate = new TrainingGate(ledger, sink, new Anonymizer(new PersonalDataDetector([new OptOutWhileAnonymising(ledger, "ws")])), clock);
        (await ledger.GetEffectiveAsync(Requests.Profile("ws"), token)).AllowsTraining.Should().BeTrue("the workspace starts opted in");

        var decision = await gate.OfferAsync(Requests.Make("ws"), Requests.Profile("ws"), new ChatOutput(new Microsoft.Extensions.AI.ChatResponse(
            new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, "answer"))), token);

        sink.Samples.Should().BeEmpty("consent was withdrawn before the offer");
        decision.Offered.Should().BeFalse();
        decision.Outcome.Should().Be("withheld-no-consent");
        decision.Consent!.State.Should().Be(ConsentState.OptOutPending);
    }

    [TestCase(AuditFailureMode.FailOpen)]
    [TestCase(AuditFailureMode.FailClosed)]
    public async Task SendAsync_AuditRecordNotStored_NothingOfferedForTraining(AuditFailureMode mode)
    {
        await using var rig = new Rig(audit: new FailingAuditSink(), options: new ProviderRouterOptions { AuditFailureMode = mode });

        var send = rig.Router.SendAsync(Requests.Make("ws"));
        if (mode == AuditFailureMode.FailClosed)
        {
            await FluentActions.Awaiting(() => send.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<AuditWriteException>();
        }
        else
        {
            (await send.WaitAsync(TimeSpan.FromSeconds(10))).ServedBy.Id.Should().Be("c", "FailOpen still answers");
        }

        await rig.Router.WaitForTrainingOffersAsync().WaitAsync(TimeSpan.FromSeconds(10));
        rig.Sink.Samples.Should().BeEmpty("a request whose record was not stored is never offered for training");
        rig.Decisions.Should().BeEmpty("the gate is not even consulted");
    }

    [Test]
    public async Task SendAsync_SlowTrainingSink_CallerIsNotHeldAndCannotCancelTheOffer()
    {
        var sink = new GatedSink();
        await using var rig = new Rig(sink: sink);
        sink.Audit = rig.Audit;
        using var cts = new CancellationTokenSource();

        // Fails (instead of hanging) if the caller waits for the training sink.
        var response = await rig.Router.SendAsync(Requests.Make("ws"), cts.Token).WaitAsync(TimeSpan.FromSeconds(10));
        response.ServedBy.Id.Should().Be("c");
        await cts.CancelAsync();
        sink.Open();
        await rig.Router.WaitForTrainingOffersAsync().WaitAsync(TimeSpan.FromSeconds(10));

        sink.Offered.Should().ContainSingle("the caller's token is not the offer's: cancelling after the answer does not stop it");
        sink.RecordsStoredAtOffer.Should().Equal([1], "the offer is made only after the request's record is stored");
        rig.Decisions[response.AuditEventId].Outcome.Should().Be("offered");
    }

    [Test]
    public async Task SendAsync_TrainingSinkStuck_OffersInFlightAreBoundedAndTheRestWithheld()
    {
        var sink = new GatedSink();
        await using var rig = new Rig(sink: sink);
        var bound = ProviderRouter.MaxTrainingOffersInFlight;
        for (var i = 0; i <= bound; i++)
        {
            await rig.Router.SendAsync(Requests.Make("ws")).WaitAsync(TimeSpan.FromSeconds(10));
        }

        await Wait.Until(() => sink.RecordsStoredAtOffer.Count == bound && rig.Decisions.Count == 1, "the bound is reached and one offer is withheld");
        rig.Decisions.Values.Single().Outcome.Should().Be("withheld-too-many-in-flight", "a stuck sink must not queue samples without bound");

        sink.Open();
        await rig.Router.WaitForTrainingOffersAsync().WaitAsync(TimeSpan.FromSeconds(30));
        sink.Offered.Should().HaveCount(bound);
    }

    [Test]
    public async Task SendAsync_TrainingSinkSlowerThanTheOfferTimeout_OfferWithheld()
    {
        var sink = new GatedSink();
        await using var rig = new Rig(sink: sink, options: new ProviderRouterOptions { TrainingOfferTimeout = TimeSpan.FromSeconds(5) });
        var response = await rig.Router.SendAsync(Requests.Make("ws")).WaitAsync(TimeSpan.FromSeconds(10));
        await Wait.Until(() => sink.RecordsStoredAtOffer.Count == 1, "the offer reached the sink");

        rig.Clock.Advance(TimeSpan.FromSeconds(5));
        await rig.Router.WaitForTrainingOffersAsync().WaitAsync(TimeSpan.FromSeconds(10));

        rig.Decisions[response.AuditEventId].Outcome.Should().Be("withheld-timed-out");
        sink.Offered.Should().BeEmpty();
    }

    [Test]
    public async Task SendAsync_CallerCancelsAfterTheAttemptSucceeded_RecordNamesTheDeploymentThatServed()
    {
        // A ledger backed by a database honours the token it is given, as this one does.
        await using var rig = new Rig(ledger: new TokenHonouringLedger(new TrainingConsentLedger(new InMemoryConsentEventStore(), TimeProvider.System)));
        using var cts = new CancellationTokenSource();
        rig.Spy.Scripts["c"] = _ =>
        {
            // The provider has answered; the caller gives up a moment later.
            cts.Cancel();
            return Task.CompletedTask;
        };

        var response = await rig.Router.SendAsync(Requests.Make("ws"), cts.Token).WaitAsync(TimeSpan.FromSeconds(10));
        await rig.Router.WaitForTrainingOffersAsync().WaitAsync(TimeSpan.FromSeconds(10));

        response.ServedBy.Id.Should().Be("c", "an answer that exists is returned and audited as served");
        var record = rig.Audit.Outcomes().Single();
        record.Outcome.Should().Be(AuditOutcome.Succeeded);
        record.ServedBy.Should().Be("c");
        record.OutputDigest.Should().NotBeNull();
        record.Attempts.Single().Outcome.Should().Be(nameof(AttemptOutcome.Succeeded));
    }

    private sealed class TokenHonouringLedger(ITrainingConsentLedger inner) : ITrainingConsentLedger
    {
        public ValueTask<PendingOptOut> RequestOptOutAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default) => inner.RequestOptOutAsync(workspaceId, reference, cancellationToken);

        public ValueTask<ConsentEvent> GrantOptOutAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default) => inner.GrantOptOutAsync(workspaceId, reference, cancellationToken);

        public ValueTask<ConsentEvent> OptInAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default) => inner.OptInAsync(workspaceId, reference, cancellationToken);

        public ValueTask<EffectiveConsent> GetEffectiveAsync(WorkspaceComplianceProfile profile, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return inner.GetEffectiveAsync(profile, cancellationToken);
        }

        public ValueTask<IReadOnlyList<PendingOptOut>> DueWithinAsync(TimeSpan window, CancellationToken cancellationToken = default) => inner.DueWithinAsync(window, cancellationToken);

        public ValueTask<IReadOnlyList<PendingOptOut>> OverdueAsync(CancellationToken cancellationToken = default) => inner.OverdueAsync(cancellationToken);
    }

    private sealed class OptOutWhileAnonymising(TrainingConsentLedger ledger, string workspaceId) : IPersonalDataRecognizer
    {
        private int _done;

        public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                ledger.RequestOptOutAsync(workspaceId).AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private sealed class FailingAuditSink : IAuditSink
    {
        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => new(AuditChainHead.Empty);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default) =>
            throw new IOException("disk full");
    }

    /// <summary>A training sink that holds every offer until opened, honouring the token it is given.</summary>
    private sealed class GatedSink : ITrainingDataSink
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public InMemoryAuditSink? Audit { get; set; }

        public System.Collections.Concurrent.ConcurrentQueue<TrainingSample> Offered { get; } = new();

        public System.Collections.Concurrent.ConcurrentQueue<int> RecordsStoredAtOffer { get; } = new();

        public void Open() => _open.TrySetResult();

        public async ValueTask OfferAsync(TrainingSample sample, CancellationToken cancellationToken = default)
        {
            RecordsStoredAtOffer.Enqueue(Audit?.Outcomes().Count ?? -1);
            await _open.Task.WaitAsync(cancellationToken);
            Offered.Enqueue(sample);
        }
    }

    private sealed class ThrowingRecognizer : IPersonalDataRecognizer
    {
        public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) =>
            throw new System.Text.RegularExpressions.RegexMatchTimeoutException();
    }
}
