using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Routing;

public class RoutingPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static RoutingPlanner Planner(params ProviderDeployment[] deployments) =>
        new(ProviderCatalog.Create(deployments), ComplianceRuleSet.Default);

    [Test]
    public void Plan_OrdersCandidatesByQualityThenId()
    {
        var planner = Planner(
            Deployments.Make("b", resolution: 0.5),
            Deployments.Make("c", resolution: 0.7),
            Deployments.Make("a", resolution: 0.5));
        planner.Plan(Requests.Make(), Requests.Profile(), Now).Candidates.Select(d => d.Id).Should().Equal("c", "a", "b");
    }

    [Test]
    public void Plan_EqualQuality_PrefersProcessingInTheHostingRegion()
    {
        var planner = Planner(Deployments.Make("a-au", region: Region.AU), Deployments.Make("b-eu", region: Region.EU), Deployments.Make("z-us"));
        planner.Plan(Requests.Make(), Requests.Profile(), Now).Candidates.Select(d => d.Id).Should().Equal("z-us", "a-au", "b-eu");
    }

    [Test]
    public void Plan_RejectionKeepsEveryReasonNotJustTheFirst()
    {
        var planner = Planner(Deployments.Make("bad", zdr: false, noTraining: false, baa: false));
        var rejection = planner.Plan(Requests.Make(), Requests.Profile(region: Region.EU, hipaa: true), Now).Rejections.Single();
        rejection.Violations.Select(v => v.Reason).Should().Equal(
            RejectionReason.ProcessingOutsideHostingRegion,
            RejectionReason.NoZeroDataRetention,
            RejectionReason.NoTrainingRestriction,
            RejectionReason.NoBusinessAssociateAgreement);
    }

    [Test]
    public void Plan_RequestRefused_HasNoCandidatesAndNamesTheViolation()
    {
        var plan = Planner(Deployments.Make("a")).Plan(Requests.Make(purpose: Purpose.EvaluatingIndividualWorker), Requests.Profile(), Now);
        plan.Candidates.Should().BeEmpty();
        plan.IsRoutable.Should().BeFalse();
        plan.RequestViolations.Single().Reason.Should().Be(RejectionReason.PurposeNotCleared);
    }

    [Test]
    public void Plan_SeenPolicyClass_ReturnsTheCachedPlan()
    {
        var planner = Planner(Deployments.Make("a"));
        var first = planner.Plan(Requests.Make("ws-1"), Requests.Profile("ws-1"), Now);
        var second = planner.Plan(Requests.Make("ws-2"), Requests.Profile("ws-2"), Now.AddHours(1));
        second.Should().BeSameAs(first);
    }

    [Test]
    public void Plan_CachedPlan_ExpiresWhenTheNextContractExpires()
    {
        var expiry = Now.AddDays(1);
        var planner = Planner(Deployments.Make("a", baa: false) with
        {
            Attestations =
            [
                Deployments.Contract(AttestationKind.ZeroDataRetention),
                Deployments.Contract(AttestationKind.NoTraining),
                Deployments.Contract(AttestationKind.BusinessAssociateAgreement, until: expiry),
            ],
        });
        var hipaa = Requests.Profile(hipaa: true);
        planner.Plan(Requests.Make(), hipaa, Now).Candidates.Should().ContainSingle();
        planner.Plan(Requests.Make(), hipaa, expiry.AddTicks(-1)).Candidates.Should().ContainSingle();
        planner.Plan(Requests.Make(), hipaa, expiry).Candidates.Should().BeEmpty();
    }

    [Test]
    public void Plan_ClockMovedBackBeforeTheWindow_Reevaluates()
    {
        var start = Now.AddDays(1);
        var planner = Planner(Deployments.Make("a", zdr: false) with
        {
            Attestations = [Deployments.Contract(AttestationKind.ZeroDataRetention, from: start), Deployments.Contract(AttestationKind.NoTraining)],
        });
        planner.Plan(Requests.Make(), Requests.Profile(), start).Candidates.Should().ContainSingle();
        planner.Plan(Requests.Make(), Requests.Profile(), Now).Candidates.Should().BeEmpty();
    }

    [Test]
    public void Plan_FingerprintDiffersByPolicyClassAndCatalogue()
    {
        var planner = Planner(Deployments.Make("a"));
        var us = planner.Plan(Requests.Make(), Requests.Profile(), Now).PolicyFingerprint;
        var eu = planner.Plan(Requests.Make(), Requests.Profile(region: Region.EU), Now).PolicyFingerprint;
        var other = Planner(Deployments.Make("b")).Plan(Requests.Make(), Requests.Profile(), Now).PolicyFingerprint;
        us.Should().NotBe(eu).And.NotBe(other);
        Planner(Deployments.Make("a")).Plan(Requests.Make(), Requests.Profile(), Now).PolicyFingerprint.Should().Be(us);
    }

    [Test]
    public void Plan_CustomHostRule_IsAppliedWithItsOwnReason()
    {
        var blocked = new RejectionReason("acme.vendor-blocked");
        var rules = new ComplianceRuleSet([.. ComplianceRuleSet.DefaultDeploymentRules(), new BlockProviderRule(ProviderKind.GoogleVertex, blocked)], ComplianceRuleSet.DefaultRequestRules());
        var planner = new RoutingPlanner(ProviderCatalog.Create([Deployments.Make("v", ProviderKind.GoogleVertex), Deployments.Make("a")]), rules);
        var plan = planner.Plan(Requests.Make(), Requests.Profile(), Now);
        plan.Candidates.Select(c => c.Id).Should().Equal("a");
        plan.Rejections.Single().Violations.Single().Reason.Should().Be(blocked);
    }

    [Test]
    public void FirstViolation_ChecksAtTheGivenInstantWithoutTheCache()
    {
        var expiry = Now.AddMinutes(5);
        var d = Deployments.Make("a", zdr: false) with
        {
            Attestations = [Deployments.Contract(AttestationKind.ZeroDataRetention, until: expiry), Deployments.Contract(AttestationKind.NoTraining)],
        };
        var planner = Planner(d);
        var policy = Requests.Profile().PolicyClassFor(Capability.Chat);
        planner.PlanFor(policy, Now).Candidates.Should().ContainSingle();
        planner.FirstViolation(d, policy, expiry)!.Reason.Should().Be(RejectionReason.NoZeroDataRetention);
    }

    [Test]
    public void Plan_FingerprintChangesWithEveryRuleParameter()
    {
        string Fingerprint(ComplianceRuleSet rules) =>
            new RoutingPlanner(ProviderCatalog.Create([Deployments.Make("a")]), rules).Plan(Requests.Make(), Requests.Profile(), Now).PolicyFingerprint;

        var baseline = Fingerprint(new ComplianceRuleSet(ComplianceRuleSet.DefaultDeploymentRules(), ComplianceRuleSet.DefaultRequestRules(1000, 2000, 3000)));
        Fingerprint(new ComplianceRuleSet(ComplianceRuleSet.DefaultDeploymentRules(), ComplianceRuleSet.DefaultRequestRules(1000, 2000, 3000)))
            .Should().Be(baseline, "the same rules with the same parameters are the same policy");
        Fingerprint(new ComplianceRuleSet(ComplianceRuleSet.DefaultDeploymentRules(), ComplianceRuleSet.DefaultRequestRules(1001, 2000, 3000)))
            .Should().NotBe(baseline, "a text limit changed");
        Fingerprint(new ComplianceRuleSet(ComplianceRuleSet.DefaultDeploymentRules(), ComplianceRuleSet.DefaultRequestRules(1000, 2000, 3001)))
            .Should().NotBe(baseline, "a byte limit changed");
        var otherLists = ComplianceRuleSet.DefaultDeploymentRules().Select(r => r is ResidencyRule
            ? new ResidencyRule(new Dictionary<Region, string> { [Region.EU] = SubprocessorLists.Eu, [Region.AU] = "au" }) : r);
        Fingerprint(new ComplianceRuleSet(otherLists, ComplianceRuleSet.DefaultRequestRules(1000, 2000, 3000)))
            .Should().NotBe(baseline, "the regional subprocessor lists changed");
        Fingerprint(new ComplianceRuleSet([.. ComplianceRuleSet.DefaultDeploymentRules(), new CutoffRule("a", Now.AddDays(1))], ComplianceRuleSet.DefaultRequestRules(1000, 2000, 3000)))
            .Should().NotBe(Fingerprint(new ComplianceRuleSet([.. ComplianceRuleSet.DefaultDeploymentRules(), new CutoffRule("a", Now.AddDays(2))], ComplianceRuleSet.DefaultRequestRules(1000, 2000, 3000))),
                "a host rule's cut-off changed");
    }

    [Test]
    public void PlanFor_HostRuleWithACutoff_CachedPlanExpiresAtTheCutoff()
    {
        var cutoff = Now.AddHours(1);
        var rules = new ComplianceRuleSet([.. ComplianceRuleSet.DefaultDeploymentRules(), new CutoffRule("a", cutoff)], ComplianceRuleSet.DefaultRequestRules());
        var planner = new RoutingPlanner(ProviderCatalog.Create([Deployments.Make("a", resolution: 0.9), Deployments.Make("b", resolution: 0.5)]), rules);
        var policy = Requests.Profile().PolicyClassFor(Capability.Chat);

        var before = planner.PlanFor(policy, Now);
        before.Candidates.Select(c => c.Id).Should().Equal("a", "b");
        before.ValidUntil.Should().Be(cutoff);
        planner.PlanFor(policy, cutoff.AddTicks(-1)).Candidates.Select(c => c.Id).Should().Equal("a", "b");

        var after = planner.PlanFor(policy, cutoff);
        after.Candidates.Select(c => c.Id).Should().Equal("b");
        after.Rejections.Single().Violations.Single().Reason.Code.Should().Be("host.cutoff");
    }

    /// <summary>A host rule that allows one deployment only until a date of the host's own (not a catalogue contract).</summary>
    private sealed class CutoffRule(string deploymentId, DateTimeOffset cutoff) : IComplianceRule
    {
        public string Name => "cutoff";

        public string Fingerprint => $"cutoff({deploymentId}<{cutoff:O})";

        public RuleViolation? Evaluate(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now) =>
            deployment.Id == deploymentId && now >= cutoff ? new RuleViolation(new RejectionReason("host.cutoff"), Name, "past the host's cut-off") : null;

        public DateTimeOffset? NextChangeAfter(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now) =>
            deployment.Id == deploymentId && now < cutoff ? cutoff : null;
    }

    private sealed class BlockProviderRule(ProviderKind provider, RejectionReason reason) : IComplianceRule
    {
        public string Name => "block-provider";

        public RuleViolation? Evaluate(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now) =>
            deployment.Provider == provider ? new RuleViolation(reason, Name, $"{provider} is blocked by the host") : null;
    }
}
