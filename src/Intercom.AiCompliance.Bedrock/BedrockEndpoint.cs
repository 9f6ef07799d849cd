using System.Text.RegularExpressions;
using Intercom.AiCompliance.Bedrock.Signing;
using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Bedrock;

/// <summary>Where one deployment's calls go: the base address, the AWS region to sign for, and the paths of its model.</summary>
internal sealed partial class BedrockEndpoint
{
    /// <summary>The signing name of Bedrock Runtime (its endpoint prefix is <c>bedrock-runtime</c>).</summary>
    public const string SigningService = "bedrock";

    private BedrockEndpoint(Uri baseAddress, string region, string modelId)
    {
        BaseAddress = baseAddress;
        Region = region;
        ModelId = modelId;
    }

    public Uri BaseAddress { get; }

    public string Region { get; }

    public string ModelId { get; }

    /// <summary>The AWS region of a Bedrock Runtime host (<c>bedrock-runtime.{region}.amazonaws.com</c> or its <c>-fips</c> variant), or <see langword="null"/>.</summary>
    public static string? RegionOfHost(string host)
    {
        var match = RuntimeHost().Match(host);
        return match.Success ? match.Groups["region"].Value.ToLowerInvariant() : null;
    }

    public static BedrockEndpoint For(ProviderDeployment deployment, BedrockProviderOptions options)
    {
        if (!Uri.TryCreate(deployment.Endpoint, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"Bedrock deployment '{deployment.Id}' has no absolute endpoint.");
        }

        if (string.IsNullOrWhiteSpace(deployment.Model))
        {
            throw new InvalidOperationException($"Bedrock deployment '{deployment.Id}' names no model id or inference profile.");
        }

        var region = RegionOfHost(uri.Host) ?? options.SigningRegionForNonAwsHosts;
        var path = uri.AbsolutePath.TrimEnd('/');
        return new BedrockEndpoint(new UriBuilder(uri) { Path = path + "/", Query = "" }.Uri, region, deployment.Model.Trim());
    }

    /// <summary>
    /// The address of an operation on the model: <c>/model/{modelId}/{operation}</c> with the model id percent-encoded as
    /// one path segment (an inference-profile ARN holds ':' and '/').
    /// </summary>
    public Uri OperationUri(string operation) =>
        new(BaseAddress, "model/" + SigV4.UriEncode(ModelId, keepSlash: false) + "/" + operation);

    [GeneratedRegex(@"^bedrock-runtime(-fips)?\.(?<region>[a-z]{2}(-gov)?-[a-z]+-\d+)\.amazonaws\.com$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RuntimeHost();
}
