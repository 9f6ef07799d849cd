using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Tests.Catalog;

public class DefaultCatalogTests
{
    [Test]
    public void Create_DefaultCatalogue_IsValid() =>
        DefaultCatalog.Create().Deployments.Should().HaveCountGreaterThan(10);

    [Test]
    public void DefaultCatalogue_OnlyAzureAwsOpenAiAndFirstPartyAreOnTheEuList() =>
        DefaultCatalog.Create().Deployments.Where(d => d.IsOnList(SubprocessorLists.Eu))
            .Select(d => d.Provider).Distinct().Should()
            .BeSubsetOf([ProviderKind.AzureOpenAI, ProviderKind.AwsBedrock, ProviderKind.OpenAI, ProviderKind.FirstParty]);

    [Test]
    public void DefaultCatalogue_EveryProviderOfTheSubprocessorListIsPresent() =>
        DefaultCatalog.Create().Deployments.Select(d => d.Provider).Distinct().Should().BeEquivalentTo(
            Enum.GetValues<ProviderKind>().Where(p => p != ProviderKind.Unknown));

    [Test]
    public void DefaultCatalogue_EveryContractHasReferenceAndDates() =>
        DefaultCatalog.Create().Deployments.SelectMany(d => d.Attestations).Should().OnlyContain(a =>
            !string.IsNullOrWhiteSpace(a.Reference) && a.EffectiveFrom != null && a.ExpiresAt != null);
}
