namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// What an Azure OpenAI deployment's type allows it to promise. A Standard (regional) deployment stays in its region; a
/// Data Zone deployment stays inside its zone, which is exactly the EU or the US; a Global deployment may process in any
/// Azure region, so it cannot promise EU-only or AU-only processing.
/// </summary>
internal static class AzureOpenAIDeploymentChecks
{
    /// <summary>Reports every way <paramref name="d"/>'s deployment type contradicts its declared processing regions.</summary>
    public static void Validate(ProviderDeployment d, Action<string, string> error)
    {
        if (d.Provider != ProviderKind.AzureOpenAI)
        {
            return;
        }

        const string Key = nameof(ProviderDeployment.DeploymentType);
        var regions = d.ProcessingRegions.Where(r => !r.IsUnknown).Distinct().ToArray();
        switch (d.DeploymentType)
        {
            case DeploymentType.Standard:
                break;

            case DeploymentType.DataZone:
                // A Data Zone deployment processes anywhere inside its zone: it must declare the zone itself, no more, no less.
                if (regions.Length != 1 || (regions[0] != Region.EU && regions[0] != Region.US))
                {
                    error(Key, $"is DataZone, which processes anywhere inside one Azure data zone (EU or US), but ProcessingRegions is '{string.Join("+", regions.Select(r => r.Code))}': declare exactly the zone, EU or US.");
                }

                break;

            case DeploymentType.Global:
                // Global may route to any Azure region: a promise to keep data in the EU or in Australia cannot be kept.
                if (regions.Length > 0 && regions.All(r => r == Region.EU))
                {
                    error(Key, "is Global, which may process in any Azure region, but ProcessingRegions declares EU-only processing: use a DataZone (EU) or Standard deployment in an EU region, or declare every region.");
                }
                else if (regions.Length > 0 && regions.All(r => r == Region.AU))
                {
                    error(Key, "is Global, which may process in any Azure region, but ProcessingRegions declares AU-only processing: use a Standard deployment in an Australian region, or declare every region.");
                }

                break;

            default:
                error(Key, "is missing or unknown for an Azure OpenAI deployment: record Azure's deployment type, Standard (regional), DataZone or Global; it decides where Azure may process.");
                break;
        }
    }
}
