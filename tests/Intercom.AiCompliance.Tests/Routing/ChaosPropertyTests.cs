using Microsoft.Extensions.AI;
using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Providers.Simulated;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>
/// DESIGN.md invariants 1 to 6 under chaos: random catalogues (with contracts that expire mid-request), profiles,
/// requests and fault schedules. 10,000 scenarios by default; set AICOMPLIANCE_CHAOS_SCENARIOS=1000000 for a long local run.
/// </summary>
public class ChaosPropertyTests
{
    private static int Scenarios =>
        int.TryParse(Environment.GetEnvironmentVariable("AICOMPLIANCE_CHAOS_SCENARIOS"), out var n) && n > 0 ? n : 10_000;

    [Test]
    public async Task RandomScenarios_NeverCallOutsideThePlan_AndAlwaysEndTypedAndAudited()
    {
        var sink = new InMemoryAuditSink(int.MaxValue); // AICOMPLIANCE_CHAOS_SCENARIOS may ask for a million requests
        await using var trail = new AuditTrail(sink);
        var requests = 0L;

        var property = Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            RunScenario(seed, trail).GetAwaiter().GetResult();
            Interlocked.Increment(ref requests);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Scenarios).WithQuietOnSuccess(true), property);
        TestContext.Progress.WriteLine($"Chaos: {requests} scenarios checked.");
        requests.Should().Be(Scenarios);

        var all = sink.Records;
        var records = all.Outcomes();
        records.Should().HaveCount((int)requests, "exactly one outcome record per SendAsync");
        records.Select(r => r.EventId).Should().OnlyHaveUniqueItems();
        var verified = trail.Verify(all);
        verified.IsValid.Should().BeTrue();
        verified.IntentsWithoutOutcome.Should().BeEmpty("no process crashed: every intent has its outcome");

        // Write-ahead: every deployment a request called is named by an intent of that request stored before its outcome
        // (the router stores it before the call); and no intent names a deployment the request did not go on to call.
        var intents = all.Intents().ToLookup(r => r.EventId);
        foreach (var r in records)
        {
            var called = r.Attempts.Where(a => a.Outcome is not (nameof(AttemptOutcome.SkippedCircuitOpen) or nameof(AttemptOutcome.SkippedNotCompliant)))
                .Select(a => a.DeploymentId).Distinct().ToArray();
            var named = intents[r.EventId].Where(i => i.Sequence < r.Sequence).SelectMany(i => i.Destinations!).Select(d => d.DeploymentId).ToArray();
            called.Except(named).Should().BeEmpty("a request that called a deployment stored its intent first");
            intents[r.EventId].Where(i => i.Sequence > r.Sequence).Should().BeEmpty("intents precede the outcome");
        }

        // An Output digest exists exactly when a deployment served, and then the request succeeded.
        records.Should().OnlyContain(r => (r.OutputDigest != null) == (r.ServedBy != null) && (r.ServedBy != null) == (r.Outcome == AuditOutcome.Succeeded));
    }

    /// <summary>
    /// Outages that end: the best candidate of a random plan is down for a random while, breakers open during the outage,
    /// and once the outage and the last break are over every request is served by it again (circuits recover).
    /// </summary>
    [Test]
    public async Task OutagesThatEnd_TrafficReturnsToTheRecoveredDeployment()
    {
        var recovered = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Math.Max(200, Scenarios / 20)).WithQuietOnSuccess(true),
            Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
            {
                if (RunRecovery(seed).GetAwaiter().GetResult())
                {
                    Interlocked.Increment(ref recovered);
                }
            }));

        recovered.Should().BeGreaterThan(20, "enough scenarios had a plan, an outage and requests after it");
        await Task.CompletedTask;
    }

    private static async Task<bool> RunRecovery(int seed)
    {
        var rng = new Random(seed);
        var clock = new FakeTimeProvider(RandomCatalogs.Now);
        var deployments = RandomCatalogs.Deployments(rng, rng.Next(1, 8));
        var profile = RandomCatalogs.Profile(rng, "ws-recovery");
        var request = RandomCatalogs.Request(rng, "ws-recovery");
        var planner = new RoutingPlanner(ProviderCatalog.Create(deployments), ComplianceRuleSet.Default);
        var plan = planner.Plan(request, profile, clock.GetUtcNow());
        if (!plan.IsRoutable)
        {
            return false;
        }

        var best = plan.Candidates[0];
        var outage = TimeSpan.FromSeconds(rng.Next(1, 60));
        var breakDuration = TimeSpan.FromMilliseconds(rng.Next(500, 20_000));
        var options = new ProviderRouterOptions
        {
            Retry = { MaxRetryAttempts = rng.Next(0, 3), BaseDelay = TimeSpan.Zero, UseJitter = false },
            CircuitBreaker = { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = breakDuration, SamplingDuration = TimeSpan.FromSeconds(rng.Next(1, 60)) },
            AttemptTimeout = TimeSpan.FromSeconds(30),
            TotalDeadline = TimeSpan.FromMinutes(5),
        };
        var simulation = new SimulationOptions { Seed = seed }.SetOutage(best.Id, clock.GetUtcNow() + outage);
        var sink = new InMemoryAuditSink();
        await using var trail = new AuditTrail(sink);
        var router = new ProviderRouter(planner, SimulatedClients.Registry(simulation, clock),
            new InMemoryWorkspaceProfileStore([profile]), trail, options, clock);

        // Requests arrive at random intervals, during the outage and after it.
        var servedAfterRecovery = 0;
        var recoveredBy = clock.GetUtcNow() + outage + breakDuration;
        while (clock.GetUtcNow() < recoveredBy + TimeSpan.FromSeconds(30))
        {
            AiResponse? response = null;
            try
            {
                response = await router.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (AllCandidatesFailedException)
            {
                // Every candidate may be down or open during the outage.
            }

            if (clock.GetUtcNow() >= recoveredBy)
            {
                // The outage is over and so is any break that began during it: the best candidate serves again.
                response.Should().NotBeNull($"seed {seed}: after recovery at {recoveredBy:O} the request must be served");
                response!.ServedBy.Id.Should().Be(best.Id, $"seed {seed}: traffic returns to {best.Id} once its outage and break are over");
                servedAfterRecovery++;
            }

            clock.Advance(TimeSpan.FromMilliseconds(rng.Next(1, 5_000)));
        }

        servedAfterRecovery.Should().BeGreaterThan(0, $"seed {seed}");
        return true;
    }

    private static async Task RunScenario(int seed, AuditTrail trail)
    {
        var rng = new Random(seed);
        var clock = new FakeTimeProvider(RandomCatalogs.Now);
        var deployments = RandomCatalogs.Deployments(rng, rng.Next(0, 10));

        // Some contracts end a few seconds into the request, so the per-attempt re-check matters.
        deployments = deployments.Select(d => rng.Next(4) != 0 ? d : d with
        {
            Attestations = d.Attestations.Select(a => RandomCatalogs.Now.AddSeconds(rng.Next(1, 6)) is var exp && a.EffectiveFrom < exp ? a with { ExpiresAt = exp } : a).ToArray(),
        }).ToList();

        var profile = RandomCatalogs.Profile(rng, "ws-chaos");
        var request = RandomCatalogs.Request(rng, "ws-chaos");
        var options = new ProviderRouterOptions
        {
            Retry = { MaxRetryAttempts = rng.Next(0, 3), BaseDelay = TimeSpan.Zero, UseJitter = false, MaxRetryAfter = TimeSpan.FromSeconds(2) },
            CircuitBreaker = { MinimumThroughput = 2 },
            AttemptTimeout = TimeSpan.FromSeconds(30),
            TotalDeadline = TimeSpan.FromMinutes(5),
        };
        var simulation = new SimulationOptions { Seed = seed, FaultRate = rng.NextDouble(), RetryAfter = TimeSpan.FromSeconds(rng.Next(0, 4)) };
        simulation.FaultMix[ProviderFailureKind.ContentPolicyRefusal] = rng.Next(0, 2) * 0.5;
        simulation.FaultMix[ProviderFailureKind.BadRequest] = rng.Next(0, 2) * 0.3;
        foreach (var d in deployments.Where(_ => rng.Next(5) == 0))
        {
            // Some outages last the whole scenario, others end a few seconds in.
            if (rng.Next(2) == 0)
            {
                simulation.SetOutage(d.Id);
            }
            else
            {
                simulation.SetOutage(d.Id, RandomCatalogs.Now.AddSeconds(rng.Next(1, 8)));
            }
        }

        using var cts = new CancellationTokenSource();
        var cancelAtCall = rng.Next(8) == 0 ? rng.Next(1, 4) : -1;
        var catalog = ProviderCatalog.Create(deployments);
        var planner = new RoutingPlanner(catalog, ComplianceRuleSet.Default);
        var plan = planner.Plan(request, profile, clock.GetUtcNow());
        var calls = new ConcurrentQueue<(ProviderDeployment Deployment, DateTimeOffset At)>();
        var adapters = SimulatedClients.Registry(simulation, clock, (d, inner) => new SpyingChatClient(inner, d, clock, calls, () =>
            {
                // Time passes during each call, so contracts expire between attempts.
                clock.Advance(TimeSpan.FromSeconds(rng.Next(0, 3)));
                if (calls.Count == cancelAtCall)
                {
                    cts.Cancel();
                }
            }));
        var router = new ProviderRouter(planner, adapters, new InMemoryWorkspaceProfileStore([profile]), trail, options, clock);

        Exception? error = null;
        AiResponse? response = null;
        try
        {
            // Drive virtual time: whenever the request is waiting (a Retry-After or backoff), move the fake clock
            // to the next timer, as real time would.
            var send = router.SendAsync(request, cts.Token);
            var guard = System.Diagnostics.Stopwatch.StartNew();
            while (!send.IsCompleted)
            {
                // A request that no timer can move on is a hang: fail this scenario instead of spinning forever.
                guard.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), $"seed {seed}: the request must end");
                if (await Task.WhenAny(send, Task.Delay(1)) != send && clock.PendingDueIn.Where(d => d >= TimeSpan.Zero).DefaultIfEmpty().Min() is var next)
                {
                    clock.Advance(next);
                }
            }

            response = await send;
        }
        catch (Exception ex)
        {
            error = ex;
        }

        // Every call went to a plan candidate that kept every promise at the moment of the call.
        foreach (var (deployment, at) in calls)
        {
            plan.Candidates.Should().Contain(deployment, $"seed {seed}: calls stay inside the plan");
            RandomCatalogs.SatisfiesDomain(deployment, profile, request.Capability, at).Should().BeTrue($"seed {seed}: {deployment.Id} kept every promise at {at:O}");
        }

        // Every request ends in success or a typed error; attempts are bounded.
        (response is not null || error is AiRoutingException || (error is OperationCanceledException && cts.IsCancellationRequested))
            .Should().BeTrue($"seed {seed}: ended with {error?.GetType().Name}");
        calls.Count.Should().BeLessThanOrEqualTo((options.Retry.MaxRetryAttempts + 1) * plan.Candidates.Count, $"seed {seed}");
        if (response is not null)
        {
            plan.Candidates.Should().Contain(response.ServedBy);
        }
    }

    private sealed class SpyingChatClient(IChatClient inner, ProviderDeployment deployment, TimeProvider clock, ConcurrentQueue<(ProviderDeployment, DateTimeOffset)> calls, Action afterRecord)
        : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            calls.Enqueue((deployment, clock.GetUtcNow()));
            afterRecord();
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}
