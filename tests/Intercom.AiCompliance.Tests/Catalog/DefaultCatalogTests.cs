using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Catalog;

public class DefaultCatalogTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

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
    public void DefaultCatalogue_CarriesNoContract_BecauseOnlyTheHostCanConfirmOne() =>
        DefaultCatalog.Create().Deployments.Should().OnlyContain(d => d.Attestations.Count == 0);

    [Test]
    public void DefaultCatalogue_EveryDeploymentIsOnTheGlobalList() =>
        DefaultCatalog.Create().Deployments.Should().OnlyContain(d => d.IsOnList(SubprocessorLists.Global));

    [Test]
    public void Plan_DefaultCatalogueWithoutReferences_EveryPlanIsEmptyAndNamesTheMissingContracts()
    {
        var planner = new RoutingPlanner(DefaultCatalog.Create(), ComplianceRuleSet.Default);
        foreach (var region in new[] { Region.US, Region.EU, Region.AU })
        {
            foreach (var capability in Enum.GetValues<Capability>().Where(c => c != Capability.None))
            {
                foreach (var hipaa in new[] { false, true })
                {
                    var plan = planner.Plan(Requests.Make(capability: capability), Requests.Profile(region: region, hipaa: hipaa), Now);

                    plan.Candidates.Should().BeEmpty($"{region}/{capability}/hipaa={hipaa} has no confirmed contract");
                    plan.Rejections.Should().OnlyContain(r => r.Violations.Any(v => v.Reason == RejectionReason.NoZeroDataRetention)
                        && r.Violations.Any(v => v.Reason == RejectionReason.NoTrainingRestriction)
                        && (!hipaa || r.Violations.Any(v => v.Reason == RejectionReason.NoBusinessAssociateAgreement)));
                }
            }
        }
    }

    [Test]
    public void Plan_DefaultCatalogueWithTheHostsReferences_Routes()
    {
        var planner = new RoutingPlanner(FictionalContracts.DefaultCatalogue(), ComplianceRuleSet.Default);
        planner.Plan(Requests.Make(), Requests.Profile(region: Region.EU), Now).Candidates.Should().NotBeEmpty();
    }
}
