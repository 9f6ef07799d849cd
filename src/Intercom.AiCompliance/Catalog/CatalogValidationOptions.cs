namespace Intercom.AiCompliance.Catalog;

/// <summary>Settings for <see cref="CatalogValidator"/>.</summary>
public sealed class CatalogValidationOptions
{
    /// <summary>
    /// Host-name tokens (split on '.' and '-') that mark an EU endpoint, such as <c>eu</c> in
    /// <c>bedrock-runtime.eu-central-1.amazonaws.com</c> or <c>swedencentral</c> in an Azure resource name.
    /// An EU-hosted deployment whose endpoint host has none of them fails validation.
    /// </summary>
    public ISet<string> EuEndpointHostTokens { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "eu", "europe", "westeurope", "northeurope", "swedencentral", "francecentral", "germanywestcentral",
        "italynorth", "polandcentral", "spaincentral", "norwayeast", "switzerlandnorth",
    };

    /// <summary>
    /// Accept loopback endpoints (127.0.0.1, ::1, localhost) for any region: for tests against local fakes only.
    /// Default <see langword="false"/>.
    /// </summary>
    public bool AllowLoopbackEndpoints { get; set; }
}
