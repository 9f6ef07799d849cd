using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Rules;

public class DeploymentRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static PolicyClass Policy(Region? region = null, bool pinned = false, bool baa = false, Capability cap = Capability.Chat) =>
        new(region ?? Region.US, pinned, baa, cap);

    [Test]
    public void CapabilityRule_DeploymentServesCapability_Accepts() =>
        new CapabilityRule().Evaluate(Deployments.Make("a"), Policy(), Now).Should().BeNull();

    [Test]
    public void CapabilityRule_DeploymentLacksCapability_RejectsWithCode() =>
        new CapabilityRule().Evaluate(Deployments.Make("a"), Policy(cap: Capability.SpeechSynthesis), Now)!
            .Reason.Should().Be(RejectionReason.CapabilityNotSupported);

    [Test]
    public void ResidencyRule_EuWorkspaceEuListedEuDeployment_Accepts() =>
        new ResidencyRule().Evaluate(Deployments.Make("a", region: Region.EU), Policy(Region.EU), Now).Should().BeNull();

    [Test]
    public void ResidencyRule_EuWorkspaceUsDeployment_RejectsProcessingOutside() =>
        new ResidencyRule().Evaluate(Deployments.Make("a"), Policy(Region.EU), Now)!
            .Reason.Should().Be(RejectionReason.ProcessingOutsideHostingRegion);

    [Test]
    public void ResidencyRule_EuWorkspaceDeploymentReroutingToUs_Rejects()
    {
        var d = Deployments.Make("a", region: Region.EU) with { ProcessingRegions = [Region.EU, Region.US] };
        new ResidencyRule().Evaluate(d, Policy(Region.EU), Now)!.Reason.Should().Be(RejectionReason.ProcessingOutsideHostingRegion);
    }

    [Test]
    public void ResidencyRule_EuWorkspaceEuDeploymentNotOnEuList_RejectsNotOnRegionalList()
    {
        var d = Deployments.Make("a", region: Region.EU, lists: [SubprocessorLists.Global]);
        new ResidencyRule().Evaluate(d, Policy(Region.EU), Now)!.Reason.Should().Be(RejectionReason.NotOnRegionalSubprocessorList);
    }

    [Test]
    public void ResidencyRule_AuWorkspace_AcceptsAuOnlyAndRejectsOthers()
    {
        var rule = new ResidencyRule();
        rule.Evaluate(Deployments.Make("au", region: Region.AU), Policy(Region.AU), Now).Should().BeNull();
        rule.Evaluate(Deployments.Make("us"), Policy(Region.AU), Now)!.Reason.Should().Be(RejectionReason.ProcessingOutsideHostingRegion);
        rule.Evaluate(Deployments.Make("eu", region: Region.EU), Policy(Region.AU), Now)!.Reason.Should().Be(RejectionReason.ProcessingOutsideHostingRegion);
    }

    [Test]
    public void ResidencyRule_DefaultUsHosting_AcceptsAnyRegionOnGlobalList() =>
        new ResidencyRule().Evaluate(Deployments.Make("eu", region: Region.EU), Policy(Region.US), Now).Should().BeNull();

    [Test]
    public void ResidencyRule_DefaultUsHostingNotOnGlobalList_Rejects() =>
        new ResidencyRule().Evaluate(Deployments.Make("a", lists: []), Policy(Region.US), Now)!
            .Reason.Should().Be(RejectionReason.NotOnGlobalSubprocessorList);

    [Test]
    public void ResidencyRule_UsPinnedWorkspace_RejectsNonUsProcessing()
    {
        var rule = new ResidencyRule();
        rule.Evaluate(Deployments.Make("us"), Policy(Region.US, pinned: true), Now).Should().BeNull();
        rule.Evaluate(Deployments.Make("eu", region: Region.EU), Policy(Region.US, pinned: true), Now)!
            .Reason.Should().Be(RejectionReason.ProcessingOutsideHostingRegion);
    }

    [Test]
    public void ResidencyRule_UnknownProcessingRegion_Rejects() =>
        new ResidencyRule().Evaluate(Deployments.Make("a") with { ProcessingRegions = [] }, Policy(), Now)!
            .Reason.Should().Be(RejectionReason.ProcessingRegionUnknown);

    [Test]
    public void ZeroDataRetentionRule_AcceptsInForceAndRejectsMissing()
    {
        new ZeroDataRetentionRule().Evaluate(Deployments.Make("a"), Policy(), Now).Should().BeNull();
        new ZeroDataRetentionRule().Evaluate(Deployments.Make("a", zdr: false), Policy(), Now)!
            .Reason.Should().Be(RejectionReason.NoZeroDataRetention);
    }

    [Test]
    public void NoTrainingRule_AcceptsInForceAndRejectsMissing()
    {
        new NoTrainingRule().Evaluate(Deployments.Make("a"), Policy(), Now).Should().BeNull();
        new NoTrainingRule().Evaluate(Deployments.Make("a", noTraining: false), Policy(), Now)!
            .Reason.Should().Be(RejectionReason.NoTrainingRestriction);
    }

    [Test]
    public void BaaRule_NonHipaaWorkspace_DoesNotNeedBaa() =>
        new BaaRule().Evaluate(Deployments.Make("a", baa: false), Policy(baa: false), Now).Should().BeNull();

    [Test]
    public void BaaRule_HipaaWorkspace_AcceptsBaaAndRejectsMissing()
    {
        new BaaRule().Evaluate(Deployments.Make("a"), Policy(baa: true), Now).Should().BeNull();
        new BaaRule().Evaluate(Deployments.Make("a", baa: false), Policy(baa: true), Now)!
            .Reason.Should().Be(RejectionReason.NoBusinessAssociateAgreement);
    }

    [Test]
    public void BaaRule_ContractExpiredOneSecondBefore_Rejects()
    {
        var expiry = Now.AddSeconds(-1);
        var d = Deployments.Make("a", baa: false) with
        {
            Attestations = [Deployments.Contract(AttestationKind.BusinessAssociateAgreement, until: expiry)],
        };
        var violation = new BaaRule().Evaluate(d, Policy(baa: true), Now);
        violation!.Reason.Should().Be(RejectionReason.NoBusinessAssociateAgreement);
        violation.Detail.Should().Contain("expired");
    }

    [Test]
    public void AttestationRule_ContractExpiringExactlyNow_IsNotInForce()
    {
        var d = Deployments.Make("a", zdr: false) with
        {
            Attestations = [Deployments.Contract(AttestationKind.ZeroDataRetention, until: Now)],
        };
        new ZeroDataRetentionRule().Evaluate(d, Policy(), Now).Should().NotBeNull();
        new ZeroDataRetentionRule().Evaluate(d, Policy(), Now.AddTicks(-1)).Should().BeNull();
    }

    [Test]
    public void AttestationRule_ContractNotYetEffective_Rejects()
    {
        var d = Deployments.Make("a", noTraining: false) with
        {
            Attestations = [Deployments.Contract(AttestationKind.NoTraining, from: Now.AddDays(1))],
        };
        new NoTrainingRule().Evaluate(d, Policy(), Now)!.Detail.Should().Contain("not in force until");
    }

    [Test]
    public void AttestationRule_ContractWithoutReference_DoesNotCount()
    {
        var d = Deployments.Make("a", zdr: false) with
        {
            Attestations = [Deployments.Contract(AttestationKind.ZeroDataRetention) with { Reference = " " }],
        };
        new ZeroDataRetentionRule().Evaluate(d, Policy(), Now).Should().NotBeNull();
    }
}
