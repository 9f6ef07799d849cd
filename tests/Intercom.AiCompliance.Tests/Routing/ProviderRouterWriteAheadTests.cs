using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>
/// Write-ahead audit: where a request's Input may go is stored before the Input leaves the process, and a crash between
/// the intent and the outcome is reported by verification as an intent without outcome.
/// </summary>
[CancelAfter(60_000)]
public class ProviderRouterWriteAheadTests
{
    private static readonly WorkspaceComplianceProfile[] Eu = [Requests.Profile("ws-eu", Region.EU)];

    private static ProviderDeployment[] EuPair() =>
    [
        Deployments.Make("eu-a", region: Region.EU, resolution: 0.9),
        Deployments.Make("eu-b", region: Region.EU, resolution: 0.7),
        Deployments.Make("us-best", region: Region.US, resolution: 0.95),
    ];

    [Test]
    public async Task SendAsync_WhenTheClientIsCalled_TheIntentNamingItsDeploymentIsAlreadyStored()
    {
        await using var f = new RouterFixture(EuPair(), profiles: Eu);
        IReadOnlyList<AuditRecord>? storedAtCall = null;
        f.Spy.Scripts["eu-a"] = _ =>
        {
            // The fake client looks at the sink at the moment the Input reaches it.
            storedAtCall = f.AllRecords;
            return Task.CompletedTask;
        };

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        storedAtCall.Should().NotBeNull();
        var intent = storedAtCall!.Should().ContainSingle("only the intent is stored before the call").Subject;
        intent.Outcome.Should().Be(AuditOutcome.Intent);
        intent.EventId.Should().Be(response.AuditEventId);
        intent.Destinations!.Select(d => (d.DeploymentId, d.Provider, d.Regions)).Should().Equal([("eu-a", "AzureOpenAI", "EU")], "the deployment about to be called");
        intent.PolicyFingerprint.Should().Be(response.PolicyFingerprint).And.NotBeEmpty();
        intent.InputDigest.Should().BeNull("the intent holds where the Input goes, not even a digest of it");
        intent.Attempts.Should().BeEmpty();
        f.AllRecords.Select(r => r.Outcome).Should().Equal(AuditOutcome.Intent, AuditOutcome.Succeeded);
        f.Trail.Verify(f.AllRecords).IntentsWithoutOutcome.Should().BeEmpty();
    }

    [Test]
    public async Task SendAsync_FailoverToAnotherDeployment_StoresItsIntentBeforeThatCall()
    {
        await using var f = new RouterFixture(EuPair(), profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.ServerError);
        IReadOnlyList<AuditRecord>? storedAtFailover = null;
        f.Spy.Scripts["eu-b"] = _ =>
        {
            storedAtFailover = f.AllRecords;
            return Task.CompletedTask;
        };

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        response.ServedBy.Id.Should().Be("eu-b");
        f.Spy.CallsTo("eu-a").Should().Be(3, "the first deployment was retried under its one intent");
        storedAtFailover!.Select(r => (r.Outcome, r.Destinations!.Single().DeploymentId)).Should().Equal(
            [(AuditOutcome.Intent, "eu-a"), (AuditOutcome.Intent, "eu-b")], "the failover target's intent was stored before its call");
        f.AllRecords.Select(r => r.EventId).Should().AllBe(response.AuditEventId);
        f.Trail.Verify(f.AllRecords).IntentsWithoutOutcome.Should().BeEmpty("one outcome closes every intent of its request");
    }

    [Test]
    public async Task SendAsync_FirstCandidatesCircuitOpen_IntentStartsAtTheCandidateCalled()
    {
        var options = new ProviderRouterOptions
        {
            Retry = { MaxRetryAttempts = 0 },
            CircuitBreaker = { MinimumThroughput = 2, FailureRatio = 0.5 },
        };
        await using var f = new RouterFixture(EuPair(), options: options, profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.ServerError);
        await f.Router.SendAsync(Requests.Make("ws-eu"));
        await f.Router.SendAsync(Requests.Make("ws-eu"));
        f.Router.CircuitStateOf("eu-a").Should().Be(Polly.CircuitBreaker.CircuitState.Open);

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        f.Intents.Single(i => i.EventId == response.AuditEventId).Destinations!.Select(d => d.DeploymentId).Should().Equal(["eu-b"],
            "a candidate passed over without a call is not where the Input goes");
    }

    [Test]
    public async Task SendAsync_RefusedBeforeAnyCall_StoresNoIntent()
    {
        await using var f = new RouterFixture(EuPair(), profiles: Eu);
        await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make("ws-unknown"))).Should().ThrowAsync<RequestRefusedException>();
        f.AllRecords.Should().ContainSingle().Which.Outcome.Should().Be(AuditOutcome.RequestRefused);
    }

    [Test]
    public async Task SendAsync_IntentCannotBeStored_InputNeverSentAndTheCallerGetsTheAuditFailure()
    {
        var sink = new FailFirstSink();
        await using var f = new RouterFixture([Deployments.Make("a")], sink: sink);

        var act = () => f.Router.SendAsync(Requests.Make());

        (await act.Should().ThrowAsync<AuditWriteException>()).Which.Message.Should().Contain("intent");
        f.Spy.CallsTo("a").Should().Be(0, "fail closed: the Input does not leave without its intent stored");
        sink.Records.Should().ContainSingle("the outcome is still recorded once the sink takes writes again")
            .Which.Should().Match<AuditRecord>(r => r.Outcome == AuditOutcome.Error && r.OutcomeReason == "intent-not-stored" && r.Attempts.Count == 0);
    }

    [Test]
    public async Task Stream_WhenTheClientIsCalled_TheIntentIsAlreadyStored()
    {
        await using var f = new RouterFixture([Deployments.Make("a")]);
        IReadOnlyList<AuditRecord>? storedAtCall = null;
        f.Spy.Scripts["a"] = _ =>
        {
            storedAtCall = f.AllRecords;
            return Task.CompletedTask;
        };

        var context = new ComplianceContext { WorkspaceId = "ws-1", Product = AiProduct.FinAiAgent, Purpose = Purpose.AnsweringEndUser };
        await foreach (var _ in f.Router.AsChatClient(context).GetStreamingResponseAsync("hi"))
        {
        }

        storedAtCall.Should().ContainSingle().Which.Outcome.Should().Be(AuditOutcome.Intent);
        f.AllRecords.Select(r => r.Outcome).Should().Equal(AuditOutcome.Intent, AuditOutcome.Succeeded);
    }

    [Test]
    public async Task Verify_CrashBetweenIntentAndOutcome_ReportsTheIntentWithoutOutcome()
    {
        // The "crash": the process dies while the call runs; the sink holds what was durable by then.
        var sink = new InMemoryAuditSink();
        await using var f = new RouterFixture([Deployments.Make("a")], sink: sink);
        await f.Router.SendAsync(Requests.Make());
        var called = new TaskCompletionSource();
        f.Spy.Scripts["a"] = ct =>
        {
            called.TrySetResult();
            return Task.Delay(Timeout.Infinite, ct);
        };
        using var cts = new CancellationTokenSource();
        var inFlight = f.Router.SendAsync(Requests.Make(), cts.Token);
        await called.Task;
        var atCrash = sink.Records;

        var result = f.Trail.Verify(atCrash);

        result.IsValid.Should().BeTrue("the chain itself is intact");
        var open = result.IntentsWithoutOutcome.Should().ContainSingle().Subject;
        open.EventId.Should().Be(atCrash[^1].EventId);
        open.Sequence.Should().Be(3);
        result.ToString().Should().Contain("Intent without outcome").And.Contain(open.EventId);

        await cts.CancelAsync();
        await FluentActions.Awaiting(() => inFlight).Should().ThrowAsync<OperationCanceledException>();
        f.Trail.Verify(sink.Records).IntentsWithoutOutcome.Should().BeEmpty("the cancelled request wrote its outcome");
    }

    /// <summary>Refuses the first write (the intent), then stores.</summary>
    private sealed class FailFirstSink : IAuditSink
    {
        private readonly InMemoryAuditSink _stored = new();
        private int _writes;

        public IReadOnlyList<AuditRecord> Records => _stored.Records;

        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => _stored.ReadHeadAsync(cancellationToken);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _writes) == 1 ? throw new IOException("disk full") : _stored.WriteAsync(records, cancellationToken);
    }
}
