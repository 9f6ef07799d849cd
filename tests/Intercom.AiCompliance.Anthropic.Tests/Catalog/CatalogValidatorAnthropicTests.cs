using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Anthropic.Tests.Catalog;

/// <summary>An Anthropic deployment on Anthropic's own API must declare the US processing that API does.</summary>
public class CatalogValidatorAnthropicTests
{
    private static ProviderDeployment Anthropic(string endpoint, params Region[] regions) => new()
    {
        Id = "claude-x",
        Provider = ProviderKind.Anthropic,
        Model = "claude-sonnet-4",
        Capabilities = [Capability.Chat],
        ProcessingRegions = regions,
        Endpoint = endpoint,
        SubprocessorLists = ["global"],
    };

    [Test]
    public void Validate_AnthropicApiDeclaredAuOnly_ErrorsOnTheProcessingRegions()
    {
        var errors = CatalogValidator.Validate([Anthropic("https://api.anthropic.com", Region.AU)]);

        errors.Should().ContainSingle().Which.Field.Should().Be("ProcessingRegions");
        errors.Single().Message.Should().Contain("United States");
    }

    [Test]
    public void Validate_AnthropicApiDeclaredUs_IsValid() =>
        CatalogValidator.Validate([Anthropic("https://api.anthropic.com", Region.US)]).Should().BeEmpty();

    [Test]
    public void Validate_DefaultCatalogue_StillValid() =>
        CatalogValidator.Validate(DefaultCatalog.Deployments().ToArray()).Should().BeEmpty();
}
