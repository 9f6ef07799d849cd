using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>The named scenarios of DOMAIN.md, against the default catalogue with fictional contract references supplied (it ships with none).</summary>
public class DomainScenarioTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly RoutingPlanner Planner = new(FictionalContracts.DefaultCatalogue(), ComplianceRuleSet.Default);

    [TestCase(Capability.Chat)]
    [TestCase(Capability.SpeechSynthesis)]
    [TestCase(Capability.Transcription)]
    [TestCase(Capability.Embeddings)]
    [TestCase(Capability.Reranking)]
    public void EuWorkspace_NeverGetsVertexAnthropicDirectOrElevenLabs(Capability capability)
    {
        var plan = Planner.Plan(Requests.Make(capability: capability), Requests.Profile(region: Region.EU), Now);
        plan.Candidates.Select(d => d.Provider).Should().NotContain([ProviderKind.GoogleVertex, ProviderKind.Anthropic, ProviderKind.ElevenLabs]);
        plan.Candidates.Should().NotContain(d => d.ProcessingRegions.Any(r => r != Region.EU) || !d.IsOnList(SubprocessorLists.Eu));
    }

    [Test]
    public void EuWorkspace_ChatIsServedInsideTheEu()
    {
        var plan = Planner.Plan(Requests.Make(), Requests.Profile(region: Region.EU), Now);
        plan.Candidates.Select(d => d.Id).Should().BeEquivalentTo("bedrock-claude-eu", "openai-eu", "azure-openai-eu");
    }

    [Test]
    public void EuSpeechSynthesis_DefaultProviders_EmptyPlanNamingEachProvider()
    {
        var plan = Planner.Plan(Requests.Make(capability: Capability.SpeechSynthesis, product: AiProduct.FinVoice), Requests.Profile(region: Region.EU), Now);
        plan.Candidates.Should().BeEmpty();
        plan.Rejections.Select(r => r.Deployment.Id).Should().BeEquivalentTo(DefaultCatalog.Create().Deployments.Select(d => d.Id));
        plan.Rejections.Select(r => r.Deployment.Provider).Distinct().Should().HaveCount(7);
        var elevenLabs = plan.Rejections.Single(r => r.Deployment.Provider == ProviderKind.ElevenLabs);
        var residency = elevenLabs.Violations.Single(v => v.Reason == RejectionReason.ProcessingOutsideHostingRegion);
        residency.Detail.Should().Contain("US").And.Contain("not on the EU subprocessor list");
        plan.Rejections.Single(r => r.Deployment.Id == "openai-eu").Violations.Select(v => v.Reason).Should().Equal(RejectionReason.CapabilityNotSupported);
    }

    [Test]
    public void UsWorkspace_SpeechSynthesis_MayUseElevenLabs() =>
        Planner.Plan(Requests.Make(capability: Capability.SpeechSynthesis, product: AiProduct.FinVoice), Requests.Profile(), Now)
            .Candidates.Select(d => d.Provider).Should().Contain(ProviderKind.ElevenLabs);

    [Test]
    public void HipaaWorkspace_NeverGetsADeploymentWithoutBaa()
    {
        var plan = Planner.Plan(Requests.Make(capability: Capability.SpeechSynthesis, product: AiProduct.FinVoice), Requests.Profile(hipaa: true), Now);
        plan.Candidates.Should().NotBeEmpty().And.OnlyContain(d => d.AttestationInForce(AttestationKind.BusinessAssociateAgreement, Now) != null);
        plan.Rejections.Should().Contain(r => r.Deployment.Provider == ProviderKind.ElevenLabs
            && r.Violations.Any(v => v.Reason == RejectionReason.NoBusinessAssociateAgreement));
    }

    [Test]
    public void HipaaWorkspace_BaaExpiredOneSecondBefore_IsExcluded()
    {
        var expiry = Now.AddSeconds(-1);
        var deployments = FictionalContracts.DefaultDeployments().Select(d => d.Id != "bedrock-claude-us" ? d : d with
        {
            Attestations = [.. d.Attestations.Where(a => a.Kind != AttestationKind.BusinessAssociateAgreement),
                new Attestation { Kind = AttestationKind.BusinessAssociateAgreement, Reference = "AWS-BAA", EffectiveFrom = Now.AddYears(-1), ExpiresAt = expiry }],
        });
        var planner = new RoutingPlanner(ProviderCatalog.Create(deployments), ComplianceRuleSet.Default);
        var hipaa = planner.Plan(Requests.Make(), Requests.Profile(hipaa: true), Now);
        hipaa.Candidates.Select(d => d.Id).Should().NotContain("bedrock-claude-us");
        hipaa.Rejections.Single(r => r.Deployment.Id == "bedrock-claude-us").Violations.Single().Reason.Should().Be(RejectionReason.NoBusinessAssociateAgreement);
        planner.Plan(Requests.Make(), Requests.Profile(hipaa: false), Now).Candidates.Select(d => d.Id).Should().Contain("bedrock-claude-us");
    }

    [Test]
    public void WorkerEvaluationPurpose_IsRefused()
    {
        var plan = Planner.Plan(Requests.Make(product: AiProduct.CxScore, purpose: Purpose.EvaluatingIndividualWorker), Requests.Profile(), Now);
        plan.IsRoutable.Should().BeFalse();
        plan.Candidates.Should().BeEmpty();
        plan.RequestViolations.Select(v => v.Reason).Should().Equal(RejectionReason.PurposeNotCleared);
    }

    [Test]
    public void AuWorkspace_StaysInAustralia() =>
        Planner.Plan(Requests.Make(), Requests.Profile(region: Region.AU), Now).Candidates
            .Should().NotBeEmpty().And.OnlyContain(d => d.ProcessingRegions.All(r => r == Region.AU));

    [Test]
    public void AuWorkspace_DeploymentOnNoList_IsNeverACandidateEvenWhenRankedBest()
    {
        var unlisted = Deployments.Make("au-unlisted", region: Region.AU, lists: [], resolution: 0.99);
        var planner = new RoutingPlanner(ProviderCatalog.Create([.. FictionalContracts.DefaultDeployments(), unlisted]), ComplianceRuleSet.Default);

        var au = planner.Plan(Requests.Make(), Requests.Profile(region: Region.AU), Now);

        au.Candidates.Select(d => d.Id).Should().NotContain("au-unlisted").And.NotBeEmpty();
        au.Rejections.Single(r => r.Deployment.Id == "au-unlisted").Violations.Select(v => v.Reason).Should().Contain(RejectionReason.NotOnGlobalSubprocessorList);
        planner.Plan(Requests.Make(), Requests.Profile(region: Region.US), Now).Candidates.Select(d => d.Id).Should().NotContain("au-unlisted");
    }
}
