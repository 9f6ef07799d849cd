using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Catalog;

public class CatalogValidatorTests
{
    private static CatalogValidationError Single(params ProviderDeployment[] deployments)
    {
        var errors = CatalogValidator.Validate(deployments);
        errors.Should().ContainSingle();
        return errors[0];
    }

    [Test]
    public void Validate_WellFormedDeployments_NoErrors() =>
        CatalogValidator.Validate([Deployments.Make("a"), Deployments.Make("b", region: Region.EU)]).Should().BeEmpty();

    [Test]
    public void Validate_DuplicateIds_NamesTheSecond()
    {
        var e = Single(Deployments.Make("dup"), Deployments.Make("DUP"));
        e.DeploymentId.Should().Be("DUP");
        e.Field.Should().Be("Id");
        e.Index.Should().Be(1);
        e.Message.Should().Contain("duplicate");
    }

    [Test]
    public void Validate_NoRegion_NamesProcessingRegions()
    {
        var e = Single(Deployments.Make("a") with { ProcessingRegions = [] });
        e.Field.Should().Be("ProcessingRegions");
        e.ToString().Should().Contain("'a'").And.Contain("Deployments:0:ProcessingRegions");
    }

    [Test]
    public void Validate_EuHostedDeploymentWithNonEuEndpoint_Errors()
    {
        var e = Single(Deployments.Make("azure-eu", region: Region.EU) with { Endpoint = "https://contoso-eastus.openai.azure.com" });
        e.Field.Should().Be("Endpoint");
        e.Message.Should().Contain("contoso-eastus.openai.azure.com").And.Contain("EU");
    }

    [TestCase("https://eu.api.openai.com")]
    [TestCase("https://bedrock-runtime.eu-central-1.amazonaws.com")]
    [TestCase("https://contoso-swedencentral.openai.azure.com")]
    public void Validate_EuHostedDeploymentWithEuEndpoint_Accepted(string endpoint) =>
        CatalogValidator.Validate([Deployments.Make("x", region: Region.EU) with { Endpoint = endpoint }]).Should().BeEmpty();

    [Test]
    public void Validate_EuListedDeploymentCountsAsEuHosted()
    {
        var d = Deployments.Make("x", lists: [SubprocessorLists.Global, SubprocessorLists.Eu]) with { Endpoint = "https://api.openai.com" };
        Single(d).Field.Should().Be("Endpoint");
    }

    [Test]
    public void Validate_ContractWithoutReference_NamesTheAttestation()
    {
        var d = Deployments.Make("a") with
        {
            Attestations = [Deployments.Contract(AttestationKind.ZeroDataRetention), Deployments.Contract(AttestationKind.NoTraining) with { Reference = null }],
        };
        Single(d).Field.Should().Be("Attestations:1:Reference");
    }

    [Test]
    public void Validate_ExpiryBeforeStart_Errors()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var d = Deployments.Make("a") with
        {
            Attestations = [Deployments.Contract(AttestationKind.ZeroDataRetention, from: start, until: start.AddDays(-1))],
        };
        var e = Single(d);
        e.Field.Should().Be("Attestations:0:ExpiresAt");
        e.Message.Should().Contain("not after EffectiveFrom");
    }

    [Test]
    public void Validate_MissingEffectiveFromProviderModelCapabilities_EachReported()
    {
        var d = Deployments.Make("a") with
        {
            Provider = ProviderKind.Unknown,
            Model = "",
            Capabilities = [],
            Attestations = [Deployments.Contract(AttestationKind.ZeroDataRetention) with { EffectiveFrom = null }],
        };
        CatalogValidator.Validate([d]).Select(e => e.Field).Should()
            .BeEquivalentTo("Provider", "Model", "Capabilities", "Attestations:0:EffectiveFrom");
    }

    [Test]
    public void Validate_PlainHttpOrLoopback_Rejected()
    {
        Single(Deployments.Make("a") with { Endpoint = "http://api.example.test" }).Field.Should().Be("Endpoint");
        Single(Deployments.Make("a") with { Endpoint = "http://127.0.0.1:5000" }).Message.Should().Contain("AllowLoopbackEndpoints");
        CatalogValidator.Validate([Deployments.Make("a") with { Endpoint = "http://127.0.0.1:5000" }], new CatalogValidationOptions { AllowLoopbackEndpoints = true })
            .Should().BeEmpty();
    }

    [Test]
    public void Create_InvalidCatalogue_ThrowsWithEveryError()
    {
        var act = () => ProviderCatalog.Create([Deployments.Make("a") with { ProcessingRegions = [] }, Deployments.Make("a")]);
        act.Should().Throw<CatalogValidationException>()
            .Which.Errors.Should().HaveCount(2);
    }

    [Test]
    public void Create_CopiesCollections_SoLaterEditsCannotChangeIt()
    {
        var regions = new List<Region> { Region.EU };
        var catalog = ProviderCatalog.Create([Deployments.Make("a", region: Region.EU) with { ProcessingRegions = regions }]);
        regions.Add(Region.US);
        catalog.Deployments[0].ProcessingRegions.Should().Equal(Region.EU);
    }

    [Test]
    public void Fingerprint_ChangesWhenAContractChanges()
    {
        var a = ProviderCatalog.Create([Deployments.Make("a")]);
        var b = ProviderCatalog.Create([Deployments.Make("a")]);
        var c = ProviderCatalog.Create([Deployments.Make("a", baa: false)]);
        a.Fingerprint.Should().Be(b.Fingerprint);
        a.Fingerprint.Should().NotBe(c.Fingerprint);
    }

    [Test]
    public void NextContractChangeAfter_FindsTheNextBoundary()
    {
        var catalog = ProviderCatalog.Create([Deployments.Make("a")]);
        catalog.NextContractChangeAfter(Deployments.ContractStart.AddDays(-1)).Should().Be(Deployments.ContractStart);
        catalog.NextContractChangeAfter(Deployments.ContractStart).Should().Be(Deployments.ContractEnd);
        catalog.NextContractChangeAfter(Deployments.ContractEnd).Should().Be(DateTimeOffset.MaxValue);
    }

    [TestCase("https://localhost./")]
    [TestCase("https://LOCALHOST/")]
    [TestCase("https://api.localhost/")]
    [TestCase("https://127.0.0.1/")]
    [TestCase("https://127.255.255.254/")]
    [TestCase("https://127.1/")]
    [TestCase("https://2130706433/")]
    [TestCase("https://0x7f000001/")]
    [TestCase("https://0177.0.0.1/")]
    [TestCase("https://0.0.0.0/")]
    [TestCase("https://0/")]
    [TestCase("https://[::1]/")]
    [TestCase("https://[::]/")]
    [TestCase("https://[::ffff:127.0.0.1]/")]
    [TestCase("https://[0:0:0:0:0:0:0:1]/")]
    [TestCase("http://localhost.:8080/")]
    public void Validate_EveryLoopbackOrUnspecifiedForm_RejectedUnlessAllowed(string endpoint)
    {
        var e = Single(Deployments.Make("a") with { Endpoint = endpoint });
        e.Field.Should().Be("Endpoint");
        e.Message.Should().Contain("loopback");
        CatalogValidator.Validate([Deployments.Make("a") with { Endpoint = endpoint }], new CatalogValidationOptions { AllowLoopbackEndpoints = true })
            .Should().BeEmpty();
    }

    [TestCase("https://localhost.example.test/")]
    [TestCase("https://128.0.0.1/")]
    public void Validate_RemoteHostsThatMerelyLookLocal_Accepted(string endpoint) =>
        CatalogValidator.Validate([Deployments.Make("a") with { Endpoint = endpoint }]).Should().BeEmpty();

    [TestCase("azure\neu")]
    [TestCase("\u001b[31mazure-eu")]
    [TestCase("azure\u200Beu")]
    [TestCase("azure\u202Eue")]
    public void Validate_IdWithControlOrInvisibleCharacter_RejectedAndShownEscaped(string escaped)
    {
        var id = System.Text.RegularExpressions.Regex.Unescape(escaped);
        var e = Single(Deployments.Make(id) with { Endpoint = "https://x.example.test", Model = "m" });
        e.Field.Should().Be("Id");
        e.DeploymentId.Should().NotContainAny("\n", "\u001b").And.Contain("\\u");
    }

    [Test]
    public void IsMixedScript_CyrillicLookalikeInALatinId_Detected()
    {
        IdentifierText.IsMixedScript("\u0430zure-eu").Should().BeTrue();
        IdentifierText.IsMixedScript("azure-eu").Should().BeFalse();
        IdentifierText.IsMixedScript("zürich-eu-1").Should().BeFalse();
    }
}
