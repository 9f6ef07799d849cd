using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.OpenAI.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.OpenAI.Tests.Catalog;

/// <summary>An OpenAI deployment that processes only in the EU must be on OpenAI's EU data-residency host.</summary>
public class CatalogValidatorOpenAITests
{
    private static ProviderDeployment OpenAI(string endpoint, Region region, string[]? lists = null) => new()
    {
        Id = "openai-x",
        Provider = ProviderKind.OpenAI,
        Model = "gpt-4.1",
        Capabilities = [Capability.Chat],
        ProcessingRegions = [region],
        Endpoint = endpoint,
        SubprocessorLists = lists ?? ["global"],
    };

    [TestCase("https://api.openai.com/v1")]
    [TestCase("https://europe.api.openai.com/v1")]
    [TestCase("https://eu.openai.com/v1")]
    [TestCase("https://api.eu.openai.com/v1")]
    public void Validate_EuOnlyOpenAIDeploymentOffTheEuHost_ErrorsOnTheEndpoint(string endpoint)
    {
        var errors = CatalogValidator.Validate([OpenAI(endpoint, Region.EU)]);

        errors.Should().ContainSingle().Which.Field.Should().Be("Endpoint");
        errors.Single().Message.Should().Contain("eu.api.openai.com");
    }

    [Test]
    public void Validate_OnTheEuSubprocessorListButOnTheGlobalHost_Errors() =>
        CatalogValidator.Validate([OpenAI("https://api.openai.com/v1", Region.US, ["global", "eu"])]).Should().ContainSingle().Which.Field.Should().Be("Endpoint");

    [TestCase("https://eu.api.openai.com/v1", "EU")]
    [TestCase("https://eu.api.openai.com", "EU")]
    [TestCase("https://EU.API.OPENAI.COM/v1", "EU")]
    [TestCase("https://api.openai.com/v1", "US")]
    public void Validate_OpenAIDeploymentOnTheHostOfItsRegion_IsValid(string endpoint, string region) =>
        CatalogValidator.Validate([OpenAI(endpoint, Region.Parse(region))]).Should().BeEmpty();

    [Test]
    public void Validate_DefaultCatalogue_StillValid() =>
        CatalogValidator.Validate(DefaultCatalogDeployments()).Should().BeEmpty();

    [Test]
    public async Task HostStart_EuOpenAIDeploymentOnTheGlobalHost_FailsNamingTheConfigurationKey()
    {
        var p = "AiCompliance:Catalog:Deployments:0:";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(OpenAIHost.Deployment(0, "openai-eu", "https://api.openai.com/v1", 0.9, region: "EU")
            .Concat([
                ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
                ("AiCompliance:Workspaces:0:HostingRegion", "EU"),
                ("AiCompliance:Workspaces:0:ContractType", "Standard"),
                ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
            ])
            .Select(kv => new KeyValuePair<string, string?>(kv.Item1, kv.Item2))).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddAiCompliance(configuration.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().AddOpenAIClients(o => o.ApiKey = OpenAIHost.ApiKey);
        await using var provider = services.BuildServiceProvider();

        var error = FluentActions.Invoking(() => provider.GetRequiredService<IOptions<Intercom.AiCompliance.DependencyInjection.AiComplianceOptions>>().Value)
            .Should().Throw<OptionsValidationException>().Which;

        error.Message.Should().Contain(p + "Endpoint").And.Contain("eu.api.openai.com").And.NotContain(OpenAIHost.ApiKey);
    }

    private static IReadOnlyList<ProviderDeployment?> DefaultCatalogDeployments() =>
        DefaultCatalog.Deployments().ToArray();
}
