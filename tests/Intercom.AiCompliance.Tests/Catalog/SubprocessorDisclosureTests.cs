using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Catalog;

public class SubprocessorDisclosureTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void ToMarkdown_DefaultCatalogueWithoutReferences_SaysNothingIsConfirmedAndListsNoProvider()
    {
        var markdown = SubprocessorDisclosure.ToMarkdown(new RoutingPlanner(DefaultCatalog.Create(), ComplianceRuleSet.Default), Now);

        markdown.Should().Contain("Nothing is confirmed").And.NotContain("is bound by zero data retention");
        markdown.Should().Contain("_none: no contract confirmed for this hosting_");
        foreach (var d in DefaultCatalog.Create().Deployments)
        {
            markdown.Should().NotContain($"| {d.Id} |", "no deployment without a confirmed contract is disclosed as a processor");
        }
    }

    [Test]
    public void ToMarkdown_WithTheHostsReferences_PrintsThemAsTheContracts()
    {
        var markdown = SubprocessorDisclosure.ToMarkdown(new RoutingPlanner(FictionalContracts.DefaultCatalogue(), ComplianceRuleSet.Default), Now);

        markdown.Should().NotContain("Nothing is confirmed").And.Contain("is bound by zero data retention");
        markdown.Should().Contain("ZDR: FICTIONAL-TEST-openai-eu-ZeroDataRetention (until 2027-12-31)");
    }
}
