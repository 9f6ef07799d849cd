namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// What an Anthropic (direct API) deployment must declare: Anthropic's own API processes requests in the United States,
/// so a deployment on an anthropic.com host that does not list <see cref="Region.US"/> among its processing regions
/// would promise a location the provider does not keep.
/// </summary>
internal static class AnthropicDeploymentChecks
{
    public static void Validate(ProviderDeployment d, Action<string, string> error)
    {
        if (d.Provider != ProviderKind.Anthropic
            || !Uri.TryCreate(d.Endpoint, UriKind.Absolute, out var uri)
            || !(uri.Host.Equals("anthropic.com", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith(".anthropic.com", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        if (d.ProcessingRegions.Count > 0 && !d.ProcessingRegions.Contains(Region.US))
        {
            error(nameof(d.ProcessingRegions), $"does not list US, but host '{uri.Host}' is Anthropic's own API, which processes data in the United States: list US (and serve EU or AU workspaces through a regional deployment such as AWS Bedrock or Google Vertex).");
        }
    }
}
