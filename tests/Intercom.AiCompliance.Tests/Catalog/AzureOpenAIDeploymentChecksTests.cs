using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Catalog;

/// <summary>An Azure OpenAI deployment's type bounds where Azure may process; the catalogue may not promise more.</summary>
public class AzureOpenAIDeploymentChecksTests
{
    private static ProviderDeployment Azure(DeploymentType type, params Region[] regions) =>
        Deployments.Make("azure-x", region: regions.Length > 0 ? regions[0] : Region.US) with
        {
            DeploymentType = type,
            ProcessingRegions = regions,
            Endpoint = regions.Length > 0 && regions.All(r => r == Region.EU) ? "https://contoso-swedencentral.openai.azure.com" : "https://contoso-eastus.openai.azure.com",
        };

    [TestCase("EU")]
    [TestCase("AU")]
    public void Validate_GlobalDeploymentDeclaringOneResidencyRegion_ErrorNamesTheKey(string region)
    {
        var errors = CatalogValidator.Validate([Azure(DeploymentType.Global, Region.Parse(region))]);

        var e = errors.Should().ContainSingle(x => x.Field == "DeploymentType").Subject;
        e.ToString().Should().Contain("Deployments:0:DeploymentType").And.Contain($"{region}-only").And.Contain("'azure-x'");
    }

    [Test]
    public void Validate_GlobalDeploymentDeclaringEveryRegion_IsValid() =>
        CatalogValidator.Validate([Azure(DeploymentType.Global, Region.US, Region.EU, Region.AU)]).Should().BeEmpty();

    [TestCase("EU")]
    [TestCase("US")]
    public void Validate_DataZoneDeclaringExactlyItsZone_IsValid(string zone) =>
        CatalogValidator.Validate([Azure(DeploymentType.DataZone, Region.Parse(zone))]).Should().BeEmpty();

    [Test]
    public void Validate_DataZoneDeclaringAnythingButOneZone_Errors()
    {
        CatalogValidator.Validate([Azure(DeploymentType.DataZone, Region.AU)]).Should().ContainSingle(x => x.Field == "DeploymentType");
        CatalogValidator.Validate([Azure(DeploymentType.DataZone, Region.EU, Region.US)]).Should().ContainSingle(x => x.Field == "DeploymentType");
    }

    [Test]
    public void Validate_AzureDeploymentWithoutAType_Errors()
    {
        var e = CatalogValidator.Validate([Azure(DeploymentType.Unknown, Region.US)]).Should().ContainSingle().Subject;

        e.Field.Should().Be("DeploymentType");
        e.Message.Should().Contain("Standard").And.Contain("DataZone").And.Contain("Global");
    }

    [Test]
    public void Validate_StandardDeployment_IsValid() =>
        CatalogValidator.Validate([Azure(DeploymentType.Standard, Region.EU)]).Should().BeEmpty();

    [Test]
    public void Validate_OtherProvidersNeedNoType() =>
        CatalogValidator.Validate([Deployments.Make("first-party", ProviderKind.FirstParty)]).Should().BeEmpty();

    [Test]
    public void DefaultCatalog_EveryAzureDeploymentRecordsItsType() =>
        DefaultCatalog.Deployments().Where(d => d.Provider == ProviderKind.AzureOpenAI).Should().OnlyContain(d => d.DeploymentType != DeploymentType.Unknown);
}
