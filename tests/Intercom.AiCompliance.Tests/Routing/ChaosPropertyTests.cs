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
        var sink = new InMemoryAuditSink();
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

        var records = sink.Records;
        records.Should().HaveCount((int)requests, "exactly one audit record per SendAsync");
        records.Select(r => r.EventId).Should().OnlyHaveUniqueItems();
        trail.Verify(records).IsValid.Should().BeTrue();
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
            simulation.SetOutage(d.Id);
        }

        using var cts = new CancellationTokenSource();
        var cancelAtCall = rng.Next(8) == 0 ? rng.Next(1, 4) : -1;
        var catalog = ProviderCatalog.Create(deployments);
        var planner = new RoutingPlanner(catalog, ComplianceRuleSet.Default);
        var plan = planner.Plan(request, profile, clock.GetUtcNow());
        var calls = new ConcurrentQueue<(ProviderDeployment Deployment, DateTimeOffset At)>();
        var adapters = SimulatedProviderAdapter.ForEveryProvider(simulation, clock)
            .Select(a => (IProviderAdapter)new SpyingAdapter(a, clock, calls, () =>
            {
                // Time passes during each call, so contracts expire between attempts.
                clock.Advance(TimeSpan.FromSeconds(rng.Next(0, 3)));
                if (calls.Count == cancelAtCall)
                {
                    cts.Cancel();
                }
            }))
            .ToArray();
        var router = new ProviderRouter(planner, adapters, new InMemoryWorkspaceProfileStore([profile]), trail, options, clock);

        Exception? error = null;
        AiResponse? response = null;
        try
        {
            // Drive virtual time: whenever the request is waiting (a Retry-After or backoff), move the fake clock
            // to the next timer, as real time would.
            var send = router.SendAsync(request, cts.Token);
            while (!send.IsCompleted)
            {
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

    private sealed class SpyingAdapter(IProviderAdapter inner, TimeProvider clock, ConcurrentQueue<(ProviderDeployment, DateTimeOffset)> calls, Action afterRecord) : IProviderAdapter
    {
        public ProviderKind Provider => inner.Provider;

        public ValueTask<AiOutput> InvokeAsync(ProviderDeployment deployment, AiPayload payload, CancellationToken cancellationToken)
        {
            calls.Enqueue((deployment, clock.GetUtcNow()));
            afterRecord();
            return inner.InvokeAsync(deployment, payload, cancellationToken);
        }
    }
}
