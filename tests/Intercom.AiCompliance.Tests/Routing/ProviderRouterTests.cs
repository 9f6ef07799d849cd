using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Polly.CircuitBreaker;

namespace Intercom.AiCompliance.Tests.Routing;

public class ProviderRouterTests
{
    private static readonly WorkspaceComplianceProfile Eu = Requests.Profile("ws-eu", Region.EU);

    private static ProviderDeployment[] EuAndUs() =>
    [
        Deployments.Make("us-best", region: Region.US, resolution: 0.9),
        Deployments.Make("eu-a", region: Region.EU, resolution: 0.8),
        Deployments.Make("eu-b", region: Region.EU, resolution: 0.7),
    ];

    [Test]
    public async Task SendAsync_HealthyCandidate_ServedByTheBestAndAuditedOnce()
    {
        await using var f = new RouterFixture(EuAndUs(), profiles: Eu);
        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        response.ServedBy.Id.Should().Be("eu-a");
        response.ProcessedIn.Should().Equal(Region.EU);
        response.Attempts.Should().ContainSingle().Which.Outcome.Should().Be(AttemptOutcome.Succeeded);
        var record = f.Records.Should().ContainSingle().Subject;
        record.Outcome.Should().Be(AuditOutcome.Succeeded);
        record.ServedBy.Should().Be("eu-a");
        record.EventId.Should().Be(response.AuditEventId);
        record.Required.Region.Should().Be("EU");
        record.Actual!.ZeroDataRetention.Should().Be("TEST-ZeroDataRetention");
        record.Rejections.Should().ContainKey(RejectionReason.ProcessingOutsideHostingRegion.Code)
            .WhoseValue.Should().Equal("us-best");
    }

    [Test]
    public async Task SendAsync_FirstCandidateDown_FailsOverInsideThePlanOnly()
    {
        await using var f = new RouterFixture(EuAndUs(), profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.ServerError);

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        response.ServedBy.Id.Should().Be("eu-b");
        f.Spy.CallsTo("eu-a").Should().Be(3, "two retries after the first attempt");
        f.Spy.CallsTo("us-best").Should().Be(0, "a US deployment is outside an EU workspace's plan");
        response.Attempts.Select(a => (a.DeploymentId, a.Outcome)).Should().Equal(
            ("eu-a", AttemptOutcome.TransientFailure), ("eu-a", AttemptOutcome.TransientFailure),
            ("eu-a", AttemptOutcome.TransientFailure), ("eu-b", AttemptOutcome.Succeeded));
    }

    [TestCase(ProviderFailureKind.ContentPolicyRefusal, typeof(ProviderRefusalException), AuditOutcome.ProviderRefused)]
    [TestCase(ProviderFailureKind.BadRequest, typeof(AllCandidatesFailedException), AuditOutcome.AllCandidatesFailed)]
    [TestCase(ProviderFailureKind.Authentication, typeof(AllCandidatesFailedException), AuditOutcome.AllCandidatesFailed)]
    public async Task SendAsync_RefusalOrPermanentError_IsNeitherRetriedNorFailedOver(ProviderFailureKind kind, Type expected, AuditOutcome outcome)
    {
        await using var f = new RouterFixture(EuAndUs(), profiles: Eu);
        f.Spy.Fail("eu-a", kind);

        var act = () => f.Router.SendAsync(Requests.Make("ws-eu"));

        (await act.Should().ThrowAsync<AiRoutingException>()).Which.Should().BeOfType(expected);
        f.Spy.CallsTo("eu-a").Should().Be(1);
        f.Spy.CallsTo("eu-b").Should().Be(0);
        f.Records.Single().Outcome.Should().Be(outcome);
    }

    [Test]
    public async Task SendAsync_RateLimitedWithRetryAfter_WaitsExactlyThatLongOnTheFakeClock()
    {
        var clock = new FakeTimeProvider();
        await using var f = new RouterFixture([Deployments.Make("a")], clock);
        f.Spy.FailTimes("a", 1, ProviderFailureKind.RateLimited, TimeSpan.FromSeconds(3));

        var send = f.Router.SendAsync(Requests.Make());
        await Wait.Until(() => f.Spy.CallsTo("a") == 1 && clock.PendingDueIn.Contains(TimeSpan.FromSeconds(3)), "the retry waits 3 s");
        clock.Advance(TimeSpan.FromSeconds(2.9));
        await Task.Delay(20);
        f.Spy.CallsTo("a").Should().Be(1, "Retry-After has not passed");
        clock.Advance(TimeSpan.FromSeconds(0.1));

        (await send.WaitAsync(TimeSpan.FromSeconds(10))).ServedBy.Id.Should().Be("a");
        f.Spy.CallsTo("a").Should().Be(2);
    }

    [Test]
    public async Task SendAsync_RetryAfterLongerThanTheCap_FailsOverAtOnce()
    {
        await using var f = new RouterFixture(EuAndUs(), profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.RateLimited, TimeSpan.FromMinutes(5));

        (await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10))).ServedBy.Id.Should().Be("eu-b");
        f.Spy.CallsTo("eu-a").Should().Be(1);
    }

    [Test]
    public async Task SendAsync_RetryAfterBeyondTheDeadline_FailsOverInsteadOfWaiting()
    {
        var options = new ProviderRouterOptions { TotalDeadline = TimeSpan.FromSeconds(8), AttemptTimeout = TimeSpan.FromSeconds(2), Retry = { BaseDelay = TimeSpan.Zero } };
        await using var f = new RouterFixture(EuAndUs(), options: options, profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.RateLimited, TimeSpan.FromSeconds(9));

        // On the fake clock a wait that is wrongly started never ends: the time limit makes that a failure, not a hang.
        var response = await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));

        response.ServedBy.Id.Should().Be("eu-b");
        f.Spy.CallsTo("eu-a").Should().Be(1, "a 9 s wait cannot end before an 8 s deadline, so it is not started");
    }

    [Test]
    public async Task SendAsync_OpenCircuit_IsPassedOverWithoutACall()
    {
        var options = new ProviderRouterOptions
        {
            Retry = { MaxRetryAttempts = 0 },
            CircuitBreaker = { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(1) },
        };
        await using var f = new RouterFixture(EuAndUs(), options: options, profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.ServerError);
        await f.Router.SendAsync(Requests.Make("ws-eu"));
        await f.Router.SendAsync(Requests.Make("ws-eu"));
        var callsWhenOpen = f.Spy.CallsTo("eu-a");

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        f.Spy.CallsTo("eu-a").Should().Be(callsWhenOpen);
        response.Attempts[0].Should().Match<RouteAttempt>(a => a.DeploymentId == "eu-a" && a.Outcome == AttemptOutcome.SkippedCircuitOpen && !a.CalledProvider);
        response.ServedBy.Id.Should().Be("eu-b");
    }

    [Test]
    public async Task SendAsync_ContractExpiresBetweenRetries_CandidateIsSkippedNotCalled()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var expiry = clock.GetUtcNow().AddSeconds(2);
        var a = Deployments.Make("a", resolution: 0.9, zdr: false) with
        {
            Attestations = [Deployments.Contract(AttestationKind.ZeroDataRetention, until: expiry), Deployments.Contract(AttestationKind.NoTraining)],
        };
        await using var f = new RouterFixture([a, Deployments.Make("b", resolution: 0.5)], clock);
        f.Spy.FailTimes("a", 1, ProviderFailureKind.RateLimited, TimeSpan.FromSeconds(5));

        var send = f.Router.SendAsync(Requests.Make());
        await Wait.Until(() => f.Spy.CallsTo("a") == 1 && clock.PendingDueIn.Contains(TimeSpan.FromSeconds(5)), "the retry is scheduled");
        clock.Advance(TimeSpan.FromSeconds(5));
        var response = await send.WaitAsync(TimeSpan.FromSeconds(10));

        response.ServedBy.Id.Should().Be("b");
        f.Spy.CallsTo("a").Should().Be(1, "after its contract expired, 'a' must not be called again");
        response.Attempts.Select(x => x.Outcome).Should().Equal(AttemptOutcome.TransientFailure, AttemptOutcome.SkippedNotCompliant, AttemptOutcome.Succeeded);
    }

    [Test]
    public async Task SendAsync_CallerCancels_ThrowsCancellationAndAuditsIt()
    {
        await using var f = new RouterFixture([Deployments.Make("a")]);
        f.Spy.Scripts["a"] = ct => Task.Delay(Timeout.Infinite, ct);
        using var cts = new CancellationTokenSource();

        var send = f.Router.SendAsync(Requests.Make(), cts.Token);
        await Wait.Until(() => f.Spy.CallsTo("a") == 1, "the call started");
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => send.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<OperationCanceledException>();
        f.Spy.CallsTo("a").Should().Be(1, "cancellation stops at once, without retry");
        f.Records.Single().Outcome.Should().Be(AuditOutcome.Cancelled);
    }

    [Test]
    public async Task SendAsync_TotalDeadlinePasses_TypedFailure()
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions { TotalDeadline = TimeSpan.FromSeconds(5), AttemptTimeout = TimeSpan.FromSeconds(30) };
        await using var f = new RouterFixture([Deployments.Make("a")], clock, options);
        f.Spy.Scripts["a"] = ct => Task.Delay(Timeout.Infinite, ct);

        var send = f.Router.SendAsync(Requests.Make());
        await Wait.Until(() => f.Spy.CallsTo("a") == 1, "the call started");
        clock.Advance(TimeSpan.FromSeconds(5));

        (await FluentActions.Awaiting(() => send.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<AllCandidatesFailedException>())
            .Which.Reason.Should().Be(AllCandidatesFailedException.DeadlineExceeded);
        f.Records.Single().OutcomeReason.Should().Be("deadline-exceeded");
    }

    [Test]
    public async Task SendAsync_EveryCandidateFails_BoundedAttemptsAndTypedFailure()
    {
        await using var f = new RouterFixture(EuAndUs(), profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.ServerError);
        f.Spy.Fail("eu-b", ProviderFailureKind.Timeout);

        var ex = (await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make("ws-eu"))).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        ex.Reason.Should().Be(AllCandidatesFailedException.CandidatesExhausted);
        ex.Attempts.Should().HaveCount(6, "(2 retries + 1) x 2 candidates");
        f.Spy.Calls.Should().HaveCount(6);
        f.Records.Single().Attempts.Should().HaveCount(6);
    }

    [Test]
    public async Task SendAsync_UnknownWorkspace_RefusedWithoutCallsAndAudited()
    {
        await using var f = new RouterFixture(EuAndUs());
        var ex = (await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make("nobody"))).Should().ThrowAsync<RequestRefusedException>()).Which;
        ex.Reason.Should().Be(RejectionReason.WorkspaceUnknown);
        f.Spy.Calls.Should().BeEmpty();
        f.Records.Single().Should().Match<AuditRecord>(r => r.Outcome == AuditOutcome.RequestRefused && r.OutcomeReason == "workspace-unknown");
    }

    [Test]
    public async Task SendAsync_WorkerEvaluationPurpose_RefusedWithoutCalls()
    {
        await using var f = new RouterFixture(EuAndUs());
        var ex = (await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make(product: AiProduct.CxScore, purpose: Purpose.EvaluatingIndividualWorker)))
            .Should().ThrowAsync<RequestRefusedException>()).Which;
        ex.Violations.Single().Reason.Should().Be(RejectionReason.PurposeNotCleared);
        ex.Message.Should().Contain("high-risk");
        f.Spy.Calls.Should().BeEmpty();
    }

    [Test]
    public async Task SendAsync_NoCompliantRoute_CarriesEveryRejectionAndCallsNothing()
    {
        await using var f = new RouterFixture([Deployments.Make("us-only")], profiles: Eu);
        var ex = (await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make("ws-eu"))).Should().ThrowAsync<NoCompliantRouteException>()).Which;
        ex.Rejections.Single().Deployment.Id.Should().Be("us-only");
        ex.Message.Should().Contain("us-only").And.Contain("processing-outside-hosting-region");
        f.Spy.Calls.Should().BeEmpty();
        f.Records.Single().Outcome.Should().Be(AuditOutcome.NoCompliantRoute);
    }

    [Test]
    public async Task SendAsync_AuditSinkFails_FailsClosedByDefault()
    {
        await using var f = new RouterFixture([Deployments.Make("a")], sink: new FailingSink());
        await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make())).Should().ThrowAsync<AuditWriteException>();
    }

    [Test]
    public async Task SendAsync_AuditSinkFailsAndHostChoseFailOpen_ReturnsTheAnswer()
    {
        var options = new ProviderRouterOptions { AuditFailureMode = AuditFailureMode.FailOpen };
        await using var f = new RouterFixture([Deployments.Make("a")], options: options, sink: new FailingSink());
        (await f.Router.SendAsync(Requests.Make())).ServedBy.Id.Should().Be("a");
    }

    [Test]
    public void Constructor_DeploymentWithoutClient_NamesDeploymentAndCapability()
    {
        var act = () => new RouterFixture([Deployments.Make("v", ProviderKind.GoogleVertex)], clients: new DeploymentClientRegistry());
        act.Should().Throw<InvalidOperationException>().WithMessage("*'v'*Chat*");
    }

    [Test]
    public async Task PlanAsync_UnknownWorkspace_ExplainsWithoutCalling()
    {
        await using var f = new RouterFixture(EuAndUs());
        var plan = await f.Router.PlanAsync(Requests.Make("nobody"));
        plan.IsRoutable.Should().BeFalse();
        plan.RequestViolations.Single().Reason.Should().Be(RejectionReason.WorkspaceUnknown);
        f.Records.Should().BeEmpty("a what-if is not a request");
    }

    [Test]
    public async Task SendAsync_ProfileStoreFails_ErrorIsRethrownAndStillAudited()
    {
        var sink = new InMemoryAuditSink();
        await using var trail = new AuditTrail(sink);
        var (adapters, spy) = ScriptedClient.ForEveryProvider(TimeProvider.System);
        var router = new ProviderRouter(new RoutingPlanner(ProviderCatalog.Create([Deployments.Make("a")]), ComplianceRuleSet.Default),
            adapters, new BrokenStore(), trail);

        await FluentActions.Awaiting(() => router.SendAsync(Requests.Make())).Should().ThrowAsync<TimeoutException>();
        spy.Calls.Should().BeEmpty();
        sink.Outcomes().Single().Should().Match<AuditRecord>(r => r.Outcome == AuditOutcome.Error && r.OutcomeReason == "unexpected-TimeoutException");
    }

    private static ProviderRouterOptions Breaker(TimeSpan breakDuration) => new()
    {
        Retry = { MaxRetryAttempts = 0 },
        CircuitBreaker = { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = breakDuration },
    };

    [Test]
    public async Task SendAsync_BreakDurationPassed_NextRequestHalfOpensTheCircuitAndClosesIt()
    {
        var clock = new FakeTimeProvider();
        await using var f = new RouterFixture(EuAndUs(), clock, Breaker(TimeSpan.FromSeconds(30)), profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.ServerError);
        await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));
        await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));
        f.Router.CircuitStateOf("eu-a").Should().Be(CircuitState.Open);

        // The outage ends, but the break has not: the deployment is passed over without a call.
        f.Spy.Scripts.TryRemove("eu-a", out _);
        var calls = f.Spy.CallsTo("eu-a");
        clock.Advance(TimeSpan.FromSeconds(29));
        (await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10))).ServedBy.Id.Should().Be("eu-b");
        f.Spy.CallsTo("eu-a").Should().Be(calls, "the break lasts 30 s");

        // After the break the next request probes the deployment, which answers: the circuit closes.
        clock.Advance(TimeSpan.FromSeconds(2));
        var probe = await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));
        probe.ServedBy.Id.Should().Be("eu-a");
        probe.Attempts.Should().ContainSingle().Which.Outcome.Should().Be(AttemptOutcome.Succeeded);
        f.Router.CircuitStateOf("eu-a").Should().Be(CircuitState.Closed);
        (await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10))).ServedBy.Id.Should().Be("eu-a", "traffic has returned");
    }

    [Test]
    public async Task SendAsync_ProbeFails_CircuitOpensForAnotherBreak()
    {
        var clock = new FakeTimeProvider();
        await using var f = new RouterFixture(EuAndUs(), clock, Breaker(TimeSpan.FromSeconds(30)), profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.ServerError);
        await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));
        await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(31));

        var probe = await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));
        probe.Attempts.Select(a => (a.DeploymentId, a.Outcome)).Should().Equal(("eu-a", AttemptOutcome.TransientFailure), ("eu-b", AttemptOutcome.Succeeded));
        f.Router.CircuitStateOf("eu-a").Should().Be(CircuitState.Open);
        var calls = f.Spy.CallsTo("eu-a");

        clock.Advance(TimeSpan.FromSeconds(10));
        (await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10))).Attempts[0].Outcome.Should().Be(AttemptOutcome.SkippedCircuitOpen);
        f.Spy.CallsTo("eu-a").Should().Be(calls, "a failed probe starts a new break");
    }

    [Test]
    public async Task SendAsync_ManyRequestsAfterTheBreak_OnlyOneProbesWhileTheOthersFailOver()
    {
        var clock = new FakeTimeProvider();
        await using var f = new RouterFixture(EuAndUs(), clock, Breaker(TimeSpan.FromSeconds(30)), profiles: Eu);
        f.Spy.Fail("eu-a", ProviderFailureKind.ServerError);
        await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));
        await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(31));
        var calls = f.Spy.CallsTo("eu-a");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Spy.Scripts["eu-a"] = _ => release.Task;

        var probe = f.Router.SendAsync(Requests.Make("ws-eu"));
        await Wait.Until(() => f.Spy.CallsTo("eu-a") == calls + 1, "the probe is in flight");
        var others = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => f.Router.SendAsync(Requests.Make("ws-eu")))).WaitAsync(TimeSpan.FromSeconds(10));
        release.SetResult();

        others.Should().OnlyContain(r => r.ServedBy.Id == "eu-b" && r.Attempts[0].Outcome == AttemptOutcome.SkippedCircuitOpen, "a half-open circuit lets one probe through");
        f.Spy.CallsTo("eu-a").Should().Be(calls + 1);
        (await probe.WaitAsync(TimeSpan.FromSeconds(10))).ServedBy.Id.Should().Be("eu-a");
        f.Router.CircuitStateOf("eu-a").Should().Be(CircuitState.Closed);
    }

    [Test]
    public async Task SendAsync_ProbeCutShortByTheDeadline_DoesNotCloseTheCircuit()
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions
        {
            TotalDeadline = TimeSpan.FromSeconds(5),
            AttemptTimeout = TimeSpan.FromSeconds(30),
            Retry = { MaxRetryAttempts = 0 },
            CircuitBreaker = { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(30) },
        };
        await using var f = new RouterFixture([Deployments.Make("a")], clock, options);
        f.Spy.Fail("a", ProviderFailureKind.ServerError);
        for (var i = 0; i < 2; i++)
        {
            await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make()).WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<AllCandidatesFailedException>();
        }

        clock.Advance(TimeSpan.FromSeconds(31));
        f.Spy.Scripts["a"] = ct => Task.Delay(Timeout.Infinite, ct);
        var send = f.Router.SendAsync(Requests.Make());
        await Wait.Until(() => f.Spy.CallsTo("a") == 3 && clock.PendingDueIn.Contains(TimeSpan.FromSeconds(5)), "the probe runs until the deadline");
        clock.Advance(TimeSpan.FromSeconds(5));
        (await FluentActions.Awaiting(() => send.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<AllCandidatesFailedException>())
            .Which.Reason.Should().Be(AllCandidatesFailedException.DeadlineExceeded);

        f.Router.CircuitStateOf("a").Should().Be(CircuitState.Open, "a probe that proved nothing does not close the circuit");
    }

    [Test]
    public async Task SendAsync_ClientSideTimeout_IsTransientAndFailsOver()
    {
        await using var f = new RouterFixture(EuAndUs(), profiles: Eu);
        // What HttpClient throws when its own Timeout elapses: the caller's token is not cancelled.
        f.Spy.Scripts["eu-a"] = _ => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.",
            new TimeoutException("The operation was canceled."));

        var response = await f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10));

        response.ServedBy.Id.Should().Be("eu-b", "a timeout is an availability failure: fail over");
        f.Spy.CallsTo("eu-a").Should().Be(3, "and it is retried first");
        response.Attempts.Take(3).Should().OnlyContain(a => a.Outcome == AttemptOutcome.TransientFailure && a.Failure == ProviderFailureKind.Timeout
            && a.ExceptionType == nameof(TaskCanceledException));
    }

    [Test]
    public async Task SendAsync_AttemptsCutByTheTotalDeadline_AreNotCountedAgainstTheBreaker()
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions
        {
            TotalDeadline = TimeSpan.FromSeconds(5),
            AttemptTimeout = TimeSpan.FromSeconds(30),
            Retry = { MaxRetryAttempts = 0 },
            CircuitBreaker = { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(1) },
        };
        await using var f = new RouterFixture([Deployments.Make("a")], clock, options);
        f.Spy.Scripts["a"] = ct => Task.Delay(Timeout.Infinite, ct);
        for (var i = 1; i <= 3; i++)
        {
            var send = f.Router.SendAsync(Requests.Make());
            await Wait.Until(() => f.Spy.CallsTo("a") == i && clock.PendingDueIn.Contains(TimeSpan.FromSeconds(5)), "the attempt runs until the deadline");
            clock.Advance(TimeSpan.FromSeconds(5));
            (await FluentActions.Awaiting(() => send.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<AllCandidatesFailedException>())
                .Which.Reason.Should().Be(AllCandidatesFailedException.DeadlineExceeded);
        }

        f.Router.CircuitStateOf("a").Should().Be(CircuitState.Closed, "the request's own deadline, not the deployment, ended those attempts");
        f.Spy.Scripts.TryRemove("a", out _);
        (await f.Router.SendAsync(Requests.Make()).WaitAsync(TimeSpan.FromSeconds(10))).ServedBy.Id.Should().Be("a");
    }

    [Test]
    public async Task SendAsync_AttemptTimeoutsShorterThanTheDeadline_OpenTheBreaker()
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions
        {
            TotalDeadline = TimeSpan.FromSeconds(30),
            AttemptTimeout = TimeSpan.FromSeconds(2),
            Retry = { MaxRetryAttempts = 0 },
            CircuitBreaker = { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(1) },
        };
        await using var f = new RouterFixture([Deployments.Make("a")], clock, options);
        f.Spy.Scripts["a"] = ct => Task.Delay(Timeout.Infinite, ct);
        for (var i = 1; i <= 2; i++)
        {
            var send = f.Router.SendAsync(Requests.Make());
            await Wait.Until(() => f.Spy.CallsTo("a") == i && clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the attempt runs until its timeout");
            clock.Advance(TimeSpan.FromSeconds(2));
            (await FluentActions.Awaiting(() => send.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<AllCandidatesFailedException>())
                .Which.Attempts.Single().Failure.Should().Be(ProviderFailureKind.Timeout);
        }

        f.Router.CircuitStateOf("a").Should().Be(CircuitState.Open, "a deployment too slow for its own attempt timeout is failing");
    }

    [TestCase("nobody", typeof(RequestRefusedException), AuditOutcome.RequestRefused)]
    [TestCase("ws-eu", typeof(NoCompliantRouteException), AuditOutcome.NoCompliantRoute)]
    public async Task SendAsync_RefusedAndItsRecordFails_FailClosedReportsTheAuditFailureWithTheRefusalInside(string workspace, Type refusal, AuditOutcome outcome)
    {
        await using var f = new RouterFixture([Deployments.Make("us-only")], sink: new FailingSink(), profiles: Eu);

        var ex = (await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make(workspace)).WaitAsync(TimeSpan.FromSeconds(10)))
            .Should().ThrowAsync<AuditWriteException>()).Which;

        ex.InnerException.Should().BeOfType(refusal, "the caller still learns why the request was refused");
        ex.Message.Should().Contain(outcome.ToString());
        f.Spy.Calls.Should().BeEmpty();
    }

    [Test]
    public async Task SendAsync_RefusedAndItsRecordFailsUnderFailOpen_ThrowsTheRefusal()
    {
        var options = new ProviderRouterOptions { AuditFailureMode = AuditFailureMode.FailOpen };
        await using var f = new RouterFixture([Deployments.Make("us-only")], options: options, sink: new FailingSink(), profiles: Eu);

        await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make("ws-eu")).WaitAsync(TimeSpan.FromSeconds(10)))
            .Should().ThrowAsync<NoCompliantRouteException>();
    }

    [Test]
    public async Task SendAsync_CallerCancelsAndTheRecordFails_StillEndsAsCancelled()
    {
        // The write-ahead intent is stored (so the call is made); the outcome record fails.
        await using var f = new RouterFixture([Deployments.Make("a")], sink: new FailingSink(succeedFirst: 1));
        f.Spy.Scripts["a"] = ct => Task.Delay(Timeout.Infinite, ct);
        using var cts = new CancellationTokenSource();

        var send = f.Router.SendAsync(Requests.Make(), cts.Token);
        await Wait.Until(() => f.Spy.CallsTo("a") == 1, "the call started");
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => send.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<OperationCanceledException>();
    }

    private sealed class BrokenStore : IWorkspaceProfileStore
    {
        public ValueTask<WorkspaceComplianceProfile?> FindAsync(string workspaceId, CancellationToken cancellationToken = default) =>
            throw new TimeoutException("profile database timed out");
    }

    /// <summary>Fails every write after the first <paramref name="succeedFirst"/> records (1: the write-ahead intent is stored, the outcome is not).</summary>
    private sealed class FailingSink(int succeedFirst = 0) : IAuditSink
    {
        private readonly InMemoryAuditSink _stored = new();

        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => _stored.ReadHeadAsync(cancellationToken);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default) =>
            _stored.Records.Count + records.Count <= succeedFirst ? _stored.WriteAsync(records, cancellationToken) : throw new IOException("disk full");
    }
}
