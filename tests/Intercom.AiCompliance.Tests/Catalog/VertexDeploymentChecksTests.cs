using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using FsProperty = FsCheck.NUnit.PropertyAttribute;

namespace Intercom.AiCompliance.Tests.Catalog;

/// <summary>A Vertex AI deployment's location (read from its host) must agree with the regions it declares; the global location has no residency promise.</summary>
public class VertexDeploymentChecksTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static ProviderDeployment Vertex(string endpoint, params Region[] regions) =>
        Deployments.Make("vertex-x", ProviderKind.GoogleVertex, regions.Length > 0 ? regions[0] : Region.US, lists: [SubprocessorLists.Global])
            with { Endpoint = endpoint, ProcessingRegions = regions };

    private static IReadOnlyList<CatalogValidationError> Validate(ProviderDeployment d) => CatalogValidator.Validate([d]);

    [TestCase("https://europe-west4-aiplatform.googleapis.com", "EU")]
    [TestCase("https://europe-west1-aiplatform.googleapis.com/", "EU")]
    [TestCase("https://us-central1-aiplatform.googleapis.com", "US")]
    [TestCase("https://us-east5-aiplatform.googleapis.com", "US")]
    [TestCase("https://australia-southeast1-aiplatform.googleapis.com", "AU")]
    public void Validate_LocationInTheDeclaredRegion_IsValid(string endpoint, string region) =>
        Validate(Vertex(endpoint, Region.Parse(region))).Should().BeEmpty();

    [TestCase("https://us-central1-aiplatform.googleapis.com", "EU")]
    [TestCase("https://europe-west4-aiplatform.googleapis.com", "US")]
    [TestCase("https://europe-west4-aiplatform.googleapis.com", "AU")]
    [TestCase("https://australia-southeast1-aiplatform.googleapis.com", "US")]
    public void Validate_LocationOutsideTheDeclaredRegion_IsAnErrorNamingTheEndpointKey(string endpoint, string region)
    {
        var error = Validate(Vertex(endpoint, Region.Parse(region))).Should().ContainSingle(e => e.Message.Contains("Vertex AI location")).Which;

        error.Field.Should().Be("Endpoint");
        error.ToString().Should().Contain("Deployments:0:Endpoint").And.Contain("vertex-x").And.Contain(region);
    }

    [TestCase("US")]
    [TestCase("EU")]
    [TestCase("AU")]
    public void Validate_GlobalLocationDeclaredAsOneRegion_IsRejectedBecauseItHasNoResidencyPromise(string region)
    {
        var error = Validate(Vertex("https://aiplatform.googleapis.com", Region.Parse(region))).Should().ContainSingle(e => e.Message.Contains("global location")).Which;

        error.Field.Should().Be("Endpoint");
        error.Message.Should().Contain("no residency promise");
    }

    [Test]
    public void Validate_GlobalLocationDeclaredAsEveryRegionItMayUse_IsValid() =>
        Validate(Vertex("https://aiplatform.googleapis.com", Region.US, Region.EU, Region.AU)).Should().BeEmpty();

    [TestCase("https://asia-northeast1-aiplatform.googleapis.com")]
    [TestCase("https://northamerica-northeast1-aiplatform.googleapis.com")]
    [TestCase("https://me-central1-aiplatform.googleapis.com")]
    public void Validate_LocationInNoOfferedRegion_IsAnErrorNamingTheLocation(string endpoint)
    {
        var error = Validate(Vertex(endpoint, Region.US)).Should().ContainSingle().Which;

        error.Field.Should().Be("Endpoint");
        error.Message.Should().Contain(new Uri(endpoint).Host.Split("-aiplatform")[0]);
    }

    [TestCase("https://generativelanguage.googleapis.com")]
    [TestCase("https://europe-west4-aiplatform.storage.googleapis.com")]
    [TestCase("https://europe_west4-aiplatform.googleapis.com")]
    public void Validate_GoogleHostThatIsNotVertexAI_IsAnError(string endpoint) =>
        Validate(Vertex(endpoint, Region.US)).Should().Contain(e => e.Field == "Endpoint" && e.Message.Contains("not a Vertex AI endpoint"));

    [TestCase("https://vertex-gateway.example.com")]
    [TestCase("https://europe-west4-aiplatform.googleapis.com.gateway.example")]
    public void Validate_GatewayOutsideGoogle_FallsUnderTheGeneralRulesOnly(string endpoint) =>
        Validate(Vertex(endpoint, Region.US)).Should().BeEmpty();

    [Test]
    public void Validate_OtherProvidersOnAVertexLookingHost_AreNotJudgedByVertexRules() =>
        Validate(Deployments.Make("azure", ProviderKind.AzureOpenAI) with { Endpoint = "https://aiplatform.googleapis.com" }).Should().BeEmpty();

    [Test]
    public void Validate_DefaultCatalogue_VertexEntriesPass() =>
        CatalogValidator.Validate(DefaultCatalog.Create().Deployments.Where(d => d.Provider == ProviderKind.GoogleVertex).ToList()).Should().BeEmpty();

    [FsProperty(MaxTest = 300)]
    public bool Plan_EuWorkspace_NeverGetsAVertexDeploymentInAnyEuropeanLocation(int seed)
    {
        var rng = new Random(seed);
        var locations = new[] { "europe-west1", "europe-west3", "europe-west4", "europe-west9", "europe-north1", "europe-southwest1" };
        var vertex = Vertex($"https://{locations[rng.Next(locations.Length)]}-aiplatform.googleapis.com", Region.EU) with
        {
            // However the catalogue describes the contracts, Google is not on the EU subprocessor list.
            Attestations = FictionalContracts.For(Deployments.Make("x")),
        };
        if (Validate(vertex).Count != 0)
        {
            return false;
        }

        var plan = new RoutingPlanner(ProviderCatalog.Create([vertex]), ComplianceRuleSet.Default)
            .Plan(Requests.Make(), Requests.Profile(region: Region.EU), Now);
        return plan.Candidates.Count == 0
            && plan.Rejections.Single().Violations.Any(v => v.Reason == RejectionReason.NotOnRegionalSubprocessorList);
    }
}
