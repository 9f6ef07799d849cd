using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Tests.Catalog;

/// <summary>
/// A Bedrock deployment's inference profile and endpoint region must agree with where it declares it processes data:
/// a profile routes anywhere in its geography, so declaring less would let a workspace's data leave its region.
/// </summary>
public class BedrockDeploymentChecksTests
{
    private static ProviderDeployment Bedrock(string model, string endpoint, params string[] regions) => new()
    {
        Id = "bedrock-x",
        Provider = ProviderKind.AwsBedrock,
        Model = model,
        Capabilities = [Capability.Chat],
        ProcessingRegions = regions.Select(Region.Parse).ToArray(),
        Endpoint = endpoint,
        SubprocessorLists = regions.Contains("EU") ? ["global", "eu"] : ["global"],
    };

    private const string Eu = "https://bedrock-runtime.eu-central-1.amazonaws.com";
    private const string Us = "https://bedrock-runtime.us-east-1.amazonaws.com";
    private const string Sydney = "https://bedrock-runtime.ap-southeast-2.amazonaws.com";

    [TestCase("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "GLOBAL")]
    [TestCase("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "US")]
    [TestCase("apac.anthropic.claude-sonnet-4-20250514-v1:0", "APAC")]
    public void Validate_ProfileWiderThanADeclaredEuOnlyDeployment_ErrorsOnTheModelNamingTheRegionToDeclare(string model, string needed)
    {
        var errors = CatalogValidator.Validate([Bedrock(model, Eu, "EU")]);

        var error = errors.Should().ContainSingle().Which;
        error.Field.Should().Be("Model");
        error.Message.Should().Contain("declares only EU").And.Contain("declare " + needed);
    }

    [Test]
    public void Validate_ApacProfileDeclaredAuOnly_Errors_BecauseItSpansAsiaPacific() =>
        CatalogValidator.Validate([Bedrock("apac.anthropic.claude-sonnet-4-20250514-v1:0", Sydney, "AU")])
            .Should().ContainSingle().Which.Message.Should().Contain("not only Australia");

    [TestCase("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", Eu, "EU")]
    [TestCase("us.anthropic.claude-sonnet-4-5-20250929-v1:0", Us, "US")]
    [TestCase("au.anthropic.claude-sonnet-4-5-20250929-v1:0", Sydney, "AU")]
    [TestCase("anthropic.claude-3-haiku-20240307-v1:0", Eu, "EU")]
    [TestCase("apac.anthropic.claude-sonnet-4-20250514-v1:0", Sydney, "AU,APAC")]
    [TestCase("global.anthropic.claude-sonnet-4-5-20250929-v1:0", Us, "US,GLOBAL")]
    [TestCase("arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0", Eu, "EU")]
    [TestCase("arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", Eu, "EU")]
    [TestCase("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "https://bedrock-runtime-fips.eu-central-1.amazonaws.com", "EU")]
    public void Validate_ProfileAndEndpointInsideTheDeclaredRegions_IsValid(string model, string endpoint, string regions) =>
        CatalogValidator.Validate([Bedrock(model, endpoint, regions.Split(','))]).Should().BeEmpty();

    [Test]
    public void Validate_EuProfileCalledFromAUsEndpoint_ErrorsOnTheEndpoint() =>
        CatalogValidator.Validate([Bedrock("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "https://bedrock-runtime.us-east-1.amazonaws.com", "EU")])
            .Select(e => e.Field).Should().Contain("Endpoint");

    [TestCase("https://bedrock-runtime.eu-west-2.amazonaws.com", "UK")]
    [TestCase("https://bedrock-runtime.eu-central-2.amazonaws.com", "CH")]
    public void Validate_EuropeanButNotEuRegionDeclaredEu_ErrorsNamingItsJurisdiction(string endpoint, string jurisdiction) =>
        CatalogValidator.Validate([Bedrock("anthropic.claude-3-haiku-20240307-v1:0", endpoint, "EU")])
            .Should().ContainSingle().Which.Message.Should().Contain($"({jurisdiction})");

    [TestCase("https://bedrock.eu-central-1.amazonaws.com")]
    [TestCase("https://bedrock-runtime.eu-central-1.amazonaws.com.evil.example")]
    [TestCase("https://eu.bedrock.example.com")]
    public void Validate_NotABedrockRuntimeHost_ErrorsOnTheEndpoint(string endpoint) =>
        CatalogValidator.Validate([Bedrock("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", endpoint, "EU")])
            .Should().ContainSingle().Which.Field.Should().Be("Endpoint");

    [TestCase("arn:aws:bedrock:eu-central-1:123456789012:application-inference-profile/abc123")]
    [TestCase("arn:aws:bedrock:eu-central-1:123456789012:provisioned-model/abc123")]
    public void Validate_ArnHidingItsRegions_IsRefused(string model) =>
        CatalogValidator.Validate([Bedrock(model, Eu, "EU")]).Should().ContainSingle().Which.Field.Should().Be("Model");

    [Test]
    public void Validate_ArnOfAnotherRegionThanTheEndpoint_Errors() =>
        CatalogValidator.Validate([Bedrock("arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0", Eu, "EU")])
            .Should().ContainSingle().Which.Message.Should().Contain("us-east-1");

    [Test]
    public void Validate_LoopbackEndpointInTests_StillChecksTheProfile() =>
        CatalogValidator.Validate([Bedrock("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "http://127.0.0.1:5000", "EU")], new CatalogValidationOptions { AllowLoopbackEndpoints = true })
            .Should().ContainSingle().Which.Field.Should().Be("Model");

    [Test]
    public void DefaultCatalogue_BedrockDeploymentsUseTheProfileOfTheirRegion() =>
        DefaultCatalog.Create().Deployments.Where(d => d.Provider == ProviderKind.AwsBedrock)
            .Select(d => (d.Id, d.Model.Split('.')[0], string.Join(",", d.ProcessingRegions)))
            .Should().BeEquivalentTo([("bedrock-claude-us", "us", "US"), ("bedrock-claude-eu", "eu", "EU"), ("bedrock-claude-au", "au", "AU")]);

    [Test]
    public void HostStart_GlobalProfileDeclaredEuOnly_FailsNamingTheConfigurationKey()
    {
        const string p = "AiCompliance:Catalog:Deployments:0:";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [p + "Id"] = "bedrock-eu",
            [p + "Provider"] = "AwsBedrock",
            [p + "Subprocessor"] = "Amazon Web Services, Inc.",
            [p + "Model"] = "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            [p + "Capabilities:0"] = "Chat",
            [p + "ProcessingRegions:0"] = "EU",
            [p + "SubprocessorLists:0"] = "global",
            [p + "SubprocessorLists:1"] = "eu",
            [p + "Endpoint"] = Eu,
            ["AiCompliance:Workspaces:0:WorkspaceId"] = "ws-1",
            ["AiCompliance:Workspaces:0:HostingRegion"] = "EU",
            ["AiCompliance:Workspaces:0:ContractType"] = "Standard",
            ["AiCompliance:Workspaces:0:HandlesHealthData"] = "false",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddAiCompliance(configuration.GetSection("AiCompliance")).AddSimulatedClientsForDemosAndTests();
        using var provider = services.BuildServiceProvider();

        var error = FluentActions.Invoking(() => provider.GetRequiredService<IOptions<AiComplianceOptions>>().Value)
            .Should().Throw<OptionsValidationException>().Which;

        error.Message.Should().Contain(p + "Model").And.Contain("global.");
    }
}
