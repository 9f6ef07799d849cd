using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>Plan cost by catalogue size, for a policy class already seen (cached) and a new one.</summary>
[MemoryDiagnoser]
public class PlanBenchmarks
{
    private RoutingPlanner _planner = null!;
    private AiRequest _request = null!;
    private WorkspaceComplianceProfile _profile = null!;
    private PolicyClass _policy;

    [Params(10, 100, 1_000, 10_000)]
    public int Deployments { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _planner = new RoutingPlanner(Fixtures.Catalog(Deployments), ComplianceRuleSet.Default);
        _request = Fixtures.Request();
        _profile = Fixtures.Profile(Region.EU);
        _policy = _profile.PolicyClassFor(Capability.Chat);
        _planner.Plan(_request, _profile, Fixtures.Now);
    }

    [Benchmark(Description = "Plan, seen policy class")]
    public RoutingPlan SeenClass() => _planner.Plan(_request, _profile, Fixtures.Now);

    [Benchmark(Description = "Plan, new policy class")]
    public RoutingPlan NewClass() => _planner.EvaluateUncached(_policy, Fixtures.Now);
}
