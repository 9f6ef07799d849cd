namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// Where a provider may process a deployment's requests, as the provider's own deployment type says. Azure OpenAI has
/// three: a regional (Standard) deployment stays in its Azure region, a Data Zone deployment stays inside its zone (EU or
/// US), a Global deployment may process in any Azure region.
/// </summary>
/// <remarks>
/// Required on every <see cref="ProviderKind.AzureOpenAI"/> deployment: catalogue validation rejects an Azure deployment
/// without one, and one whose declared <see cref="ProviderDeployment.ProcessingRegions"/> promise more than its type keeps.
/// </remarks>
public enum DeploymentType
{
    /// <summary>Not recorded. An Azure OpenAI deployment that says nothing fails validation.</summary>
    Unknown = 0,

    /// <summary>Azure "Standard" (regional) deployment: processing stays in the resource's Azure region.</summary>
    Standard = 1,

    /// <summary>Azure "Data Zone" deployment: processing may move between the regions of one zone (EU or US), never out of it.</summary>
    DataZone = 2,

    /// <summary>Azure "Global" deployment: processing may happen in any Azure region in the world.</summary>
    Global = 3,
}
