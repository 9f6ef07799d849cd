using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Catalog;

/// <summary>An ElevenLabs deployment's API host is one environment in one jurisdiction, and must agree with the regions it declares.</summary>
public class ElevenLabsDeploymentChecksTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static ProviderDeployment ElevenLabs(string endpoint, params Region[] regions) =>
        Deployments.Make("elevenlabs-x", ProviderKind.ElevenLabs, regions[0], [Capability.SpeechSynthesis], lists: [SubprocessorLists.Global])
            with { Endpoint = endpoint, ProcessingRegions = regions };

    [TestCase("https://api.elevenlabs.io", "US")]
    [TestCase("https://api.us.elevenlabs.io", "US")]
    [TestCase("https://api.eu.residency.elevenlabs.io", "EU")]
    [TestCase("https://API.EU.Residency.ElevenLabs.io/", "EU")]
    public void Validate_HostOfTheDeclaredRegion_IsValid(string endpoint, string region) =>
        CatalogValidator.Validate([ElevenLabs(endpoint, Region.Parse(region))]).Should().BeEmpty();

    [TestCase("https://api.elevenlabs.io", "EU")]
    [TestCase("https://api.us.elevenlabs.io", "AU")]
    [TestCase("https://api.eu.residency.elevenlabs.io", "US")]
    [TestCase("https://api.in.residency.elevenlabs.io", "US")]
    [TestCase("https://api.sg.residency.elevenlabs.io", "AU")]
    public void Validate_HostOfAnotherRegion_IsAnErrorNamingTheEndpointKey(string endpoint, string region)
    {
        var errors = CatalogValidator.Validate([ElevenLabs(endpoint, Region.Parse(region))]);

        var error = errors.Should().ContainSingle(e => e.Message.Contains("ElevenLabs host")).Which;
        error.Field.Should().Be("Endpoint");
        error.ToString().Should().Contain("Deployments:0:Endpoint").And.Contain("elevenlabs-x");
    }

    [TestCase("https://api.eu.elevenlabs.io")]
    [TestCase("https://eu.residency.elevenlabs.io")]
    [TestCase("https://elevenlabs.io")]
    public void Validate_UnknownElevenLabsHost_IsAnError(string endpoint) =>
        CatalogValidator.Validate([ElevenLabs(endpoint, Region.US)]).Should().Contain(e => e.Field == "Endpoint" && e.Message.Contains("not an ElevenLabs API host"));

    [TestCase("https://elevenlabs-gateway.example.com")]
    [TestCase("https://api.eu.residency.elevenlabs.io.gateway.example")]
    public void Validate_GatewayOutsideElevenLabs_FallsUnderTheGeneralRulesOnly(string endpoint) =>
        CatalogValidator.Validate([ElevenLabs(endpoint, Region.US)]).Should().BeEmpty();

    [Test]
    public void Validate_DefaultCatalogue_ElevenLabsEntriesPass() =>
        CatalogValidator.Validate(DefaultCatalog.Create().Deployments.Where(d => d.Provider == ProviderKind.ElevenLabs).ToList()).Should().BeEmpty();

    [TestCase(Capability.SpeechSynthesis)]
    [TestCase(Capability.Transcription)]
    public void Plan_EuWorkspace_NeverGetsElevenLabsEvenAtItsEuResidencyHost(Capability capability)
    {
        var eu = ElevenLabs("https://api.eu.residency.elevenlabs.io", Region.EU) with
        {
            Capabilities = [Capability.SpeechSynthesis, Capability.Transcription],
            Attestations = FictionalContracts.For(Deployments.Make("x")),
        };
        CatalogValidator.Validate([eu]).Should().BeEmpty();

        var plan = new RoutingPlanner(ProviderCatalog.Create([eu]), ComplianceRuleSet.Default)
            .Plan(Requests.Make(capability: capability, product: Intercom.AiCompliance.Workspaces.AiProduct.FinVoice), Requests.Profile(region: Region.EU), Now);

        plan.Candidates.Should().BeEmpty("ElevenLabs is not on the EU subprocessor list");
        plan.Rejections.Single().Violations.Should().Contain(v => v.Reason == RejectionReason.NotOnRegionalSubprocessorList);
    }
}
