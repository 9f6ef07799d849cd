using FsProperty = FsCheck.NUnit.PropertyAttribute;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Rules;

/// <summary>List membership: "a deployment on no list is never used", and a stricter promise never admits what a weaker one refuses.</summary>
public class ResidencyRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [TestCase("AU")]
    [TestCase("EU")]
    [TestCase("US")]
    public void Evaluate_DeploymentOnNoList_RejectedForEveryHosting(string hosting)
    {
        var region = Region.Parse(hosting);
        var d = Deployments.Make("unlisted", region: region, lists: []);

        var violation = new ResidencyRule().Evaluate(d, new PolicyClass(region, false, false, Capability.Chat), Now);

        violation.Should().NotBeNull();
        violation!.Reason.Should().Be(RejectionReason.NotOnGlobalSubprocessorList);
    }

    [Test]
    public void Evaluate_EuDeploymentOnlyOnTheEuList_RejectedBecauseTheGlobalListIsRequiredToo() =>
        new ResidencyRule().Evaluate(Deployments.Make("eu-only", region: Region.EU, lists: [SubprocessorLists.Eu]), new PolicyClass(Region.EU, false, false, Capability.Chat), Now)!
            .Reason.Should().Be(RejectionReason.NotOnGlobalSubprocessorList);

    [FsProperty(MaxTest = 500)]
    public bool Evaluate_WhatDefaultHostingRefusesForListMembership_EveryRegionalHostingRefusesToo(int seed)
    {
        var rng = new Random(seed);
        var d = RandomCatalogs.Deployment(rng, "d");
        var rule = new ResidencyRule();
        var us = rule.Evaluate(d, new PolicyClass(Region.US, false, false, Capability.Chat), Now);
        if (us is null)
        {
            return true;
        }

        return rule.Evaluate(d, new PolicyClass(Region.EU, false, false, Capability.Chat), Now) is not null
            && rule.Evaluate(d, new PolicyClass(Region.AU, false, false, Capability.Chat), Now) is not null;
    }
}
