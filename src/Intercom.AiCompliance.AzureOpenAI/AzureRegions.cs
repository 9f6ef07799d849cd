using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.AzureOpenAI;

/// <summary>
/// Azure region names (as <c>x-ms-region</c> reports them: <c>Sweden Central</c> or <c>swedencentral</c>) mapped to the
/// jurisdiction they lie in. Regions in EU member states map to <see cref="Region.EU"/>, US regions (including US
/// Government) to <see cref="Region.US"/>, Australian regions to <see cref="Region.AU"/>. Regions of Europe outside the EU
/// (United Kingdom, Switzerland, Norway) map to their own codes (<c>UK</c>, <c>CH</c>, <c>NO</c>), never to EU. A name not
/// in the table maps to nothing: the router treats it as outside every boundary.
/// </summary>
public static class AzureRegions
{
    private static readonly Dictionary<string, Region> Table = Build();

    /// <summary>Every region name the table knows (normalised: lower case, no spaces), with its jurisdiction.</summary>
    public static IReadOnlyDictionary<string, Region> Known => Table;

    /// <summary>The jurisdiction of an Azure region name, or <see langword="null"/> when the table does not know it.</summary>
    /// <param name="azureRegion">A display name (<c>West Europe</c>) or a programmatic name (<c>westeurope</c>), any case.</param>
    public static Region? JurisdictionOf(string? azureRegion) =>
        azureRegion is not null && Table.TryGetValue(Normalize(azureRegion), out var region) ? region : null;

    /// <summary>Lower case, without spaces, hyphens or underscores: <c>Sweden Central</c> becomes <c>swedencentral</c>.</summary>
    public static string Normalize(string azureRegion)
    {
        ArgumentNullException.ThrowIfNull(azureRegion);
        return new string(azureRegion.Where(c => !char.IsWhiteSpace(c) && c is not '-' and not '_').Select(char.ToLowerInvariant).ToArray());
    }

    private static Dictionary<string, Region> Build()
    {
        var table = new Dictionary<string, Region>(StringComparer.Ordinal);
        void Add(Region region, params string[] names)
        {
            foreach (var name in names)
            {
                table.Add(name, region);
            }
        }

        // EU member states: Sweden, France, Germany, the Netherlands (West Europe), Ireland (North Europe), Italy, Poland,
        // Spain, Austria, Belgium, Denmark, Finland, Greece.
        Add(Region.EU, "swedencentral", "swedensouth", "francecentral", "francesouth", "germanywestcentral", "germanynorth",
            "westeurope", "northeurope", "italynorth", "polandcentral", "spaincentral", "austriaeast", "belgiumcentral",
            "denmarkeast", "finlandcentral", "greececentral");
        Add(Region.US, "eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northcentralus", "southcentralus",
            "westcentralus", "eastus2euap", "centraluseuap", "usgovvirginia", "usgovarizona", "usgovtexas", "usdodeast", "usdodcentral");
        Add(Region.AU, "australiaeast", "australiasoutheast", "australiacentral", "australiacentral2");

        // Europe outside the EU, and other countries: their own jurisdictions, never EU, US or AU.
        Add(Region.Parse("UK"), "uksouth", "ukwest");
        Add(Region.Parse("CH"), "switzerlandnorth", "switzerlandwest");
        Add(Region.Parse("NO"), "norwayeast", "norwaywest");
        Add(Region.Parse("CA"), "canadacentral", "canadaeast");
        Add(Region.Parse("JP"), "japaneast", "japanwest");
        Add(Region.Parse("KR"), "koreacentral", "koreasouth");
        Add(Region.Parse("IN"), "centralindia", "southindia", "westindia");
        Add(Region.Parse("BR"), "brazilsouth", "brazilsoutheast");
        Add(Region.Parse("SG"), "southeastasia");
        Add(Region.Parse("HK"), "eastasia");
        Add(Region.Parse("AE"), "uaenorth", "uaecentral");
        Add(Region.Parse("ZA"), "southafricanorth", "southafricawest");
        Add(Region.Parse("QA"), "qatarcentral");
        Add(Region.Parse("IL"), "israelcentral");
        Add(Region.Parse("MX"), "mexicocentral");
        Add(Region.Parse("NZ"), "newzealandnorth");
        return table;
    }
}
