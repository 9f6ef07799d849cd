using FsProperty = FsCheck.NUnit.PropertyAttribute;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>DESIGN.md invariants 1, 2, 3 and 9 for the planner, over random catalogues, profiles, requests and instants.</summary>
public class RoutingPlannerPropertyTests
{
    private static (List<ProviderDeployment> Deployments, RoutingPlanner Planner, RoutingPlan Plan, Intercom.AiCompliance.Workspaces.WorkspaceComplianceProfile Profile, AiRequest Request, DateTimeOffset Now) Scenario(int seed)
    {
        var rng = new Random(seed);
        var deployments = RandomCatalogs.Deployments(rng);
        var profile = RandomCatalogs.Profile(rng);
        var request = RandomCatalogs.Request(rng);
        var now = RandomCatalogs.Instant(rng);
        var planner = new RoutingPlanner(ProviderCatalog.Create(deployments), ComplianceRuleSet.Default);
        return (deployments, planner, planner.Plan(request, profile, now), profile, request, now);
    }

    [FsProperty(MaxTest = 400)]
    public bool EveryCandidate_SatisfiesEveryPromiseOfTheDomain(int seed)
    {
        var s = Scenario(seed);
        return s.Plan.Candidates.All(d => RandomCatalogs.SatisfiesDomain(d, s.Profile, s.Request.Capability, s.Now))
            && s.Plan.Candidates.All(d => ComplianceRuleSet.Default.DeploymentRules.All(r => r.Evaluate(d, s.Plan.Policy, s.Now) is null));
    }

    [FsProperty(MaxTest = 400)]
    public bool EveryCompliantDeployment_IsACandidate_AndEveryOtherIsRejectedWithAReason(int seed)
    {
        var s = Scenario(seed);
        var expected = s.Deployments.Where(d => RandomCatalogs.SatisfiesDomain(d, s.Profile, s.Request.Capability, s.Now)).Select(d => d.Id).ToHashSet();
        return s.Plan.Candidates.Select(d => d.Id).ToHashSet().SetEquals(expected)
            && s.Plan.Rejections.All(r => r.Violations.Count > 0 && !expected.Contains(r.Deployment.Id))
            && s.Plan.Candidates.Count + s.Plan.Rejections.Count == s.Deployments.Count;
    }

    [FsProperty(MaxTest = 300)]
    public bool Plan_IsDeterministic(int seed)
    {
        var a = Scenario(seed);
        var b = Scenario(seed);
        return a.Plan.Candidates.Select(d => d.Id).SequenceEqual(b.Plan.Candidates.Select(d => d.Id))
            && a.Plan.Rejections.Select(r => r.ToString()).SequenceEqual(b.Plan.Rejections.Select(r => r.ToString()))
            && a.Plan.PolicyFingerprint == b.Plan.PolicyFingerprint
            && a.Plan.EvaluatedAt == b.Plan.EvaluatedAt;
    }

    [FsProperty(MaxTest = 300)]
    public bool RemovingADeployment_NeverAddsACandidate(int seed, int pick)
    {
        var s = Scenario(seed);
        if (s.Deployments.Count == 0)
        {
            return true;
        }

        var smaller = s.Deployments.Where((_, i) => i != Math.Abs(pick % s.Deployments.Count)).ToList();
        var planner = new RoutingPlanner(ProviderCatalog.Create(smaller), ComplianceRuleSet.Default);
        var after = planner.Plan(s.Request, s.Profile, s.Now).Candidates.Select(d => d.Id);
        return after.ToHashSet().IsSubsetOf(s.Plan.Candidates.Select(d => d.Id));
    }

    [FsProperty(MaxTest = 200)]
    public bool CachedPlans_AgreeWithFreshPlans_AcrossContractBoundaries(int seed)
    {
        var rng = new Random(seed);
        var catalog = ProviderCatalog.Create(RandomCatalogs.Deployments(rng));
        var cached = new RoutingPlanner(catalog, ComplianceRuleSet.Default);
        var profile = RandomCatalogs.Profile(rng);
        var request = RandomCatalogs.Request(rng);
        for (var i = 0; i < 20; i++)
        {
            var now = RandomCatalogs.Instant(rng);
            var fresh = new RoutingPlanner(catalog, ComplianceRuleSet.Default).Plan(request, profile, now);
            if (!cached.Plan(request, profile, now).Candidates.Select(d => d.Id).SequenceEqual(fresh.Candidates.Select(d => d.Id)))
            {
                return false;
            }
        }

        return true;
    }
}
