using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.AzureOpenAI.Tests;

public class AzureRegionsTests
{
    [TestCase("Sweden Central", "EU")]
    [TestCase("swedencentral", "EU")]
    [TestCase("West Europe", "EU")]
    [TestCase("North Europe", "EU")]
    [TestCase("Germany West Central", "EU")]
    [TestCase("francecentral", "EU")]
    [TestCase("East US", "US")]
    [TestCase("eastus2", "US")]
    [TestCase("South Central US", "US")]
    [TestCase("Australia East", "AU")]
    [TestCase("australiasoutheast", "AU")]
    [TestCase("UK South", "UK")]
    [TestCase("Switzerland North", "CH")]
    [TestCase("norwayeast", "NO")]
    [TestCase("Japan East", "JP")]
    public void JurisdictionOf_KnownRegion_InBothSpellings(string name, string expected) =>
        AzureRegions.JurisdictionOf(name).Should().Be(Region.Parse(expected));

    [TestCase("UK South")]
    [TestCase("Switzerland West")]
    [TestCase("Norway West")]
    public void JurisdictionOf_EuropeOutsideTheEu_IsNeverEu(string name) =>
        AzureRegions.JurisdictionOf(name).Should().NotBe(Region.EU);

    [TestCase("Mars North")]
    [TestCase("")]
    [TestCase(null)]
    [TestCase("eastus-but-not-really")]
    public void JurisdictionOf_UnknownName_IsUnmapped(string? name) =>
        AzureRegions.JurisdictionOf(name).Should().BeNull();

    [Test]
    public void Known_EveryEntryIsNormalised() =>
        AzureRegions.Known.Keys.Should().OnlyContain(k => k == AzureRegions.Normalize(k));
}
