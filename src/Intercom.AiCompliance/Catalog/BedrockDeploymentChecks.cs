using System.Text.RegularExpressions;

namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// Where an AWS Bedrock deployment may process data, read from its model id and endpoint, checked against the regions it
/// declares:
/// <list type="bullet">
/// <item>A system-defined cross-Region inference profile routes inside its geography: <c>us.</c> and <c>us-gov.</c>
/// (US), <c>eu.</c> (EU), <c>au.</c> (AU), <c>jp.</c> (JP), <c>ca.</c> (CA), <c>apac.</c> (all of Asia-Pacific, declared
/// as <c>APAC</c>: never AU-only) and <c>global.</c> (any commercial AWS region, declared as <c>GLOBAL</c>). The
/// deployment must declare that region.</item>
/// <item>The endpoint must be <c>bedrock-runtime.{aws-region}.amazonaws.com</c> (or <c>bedrock-runtime-fips</c>), and the
/// jurisdiction of that AWS region (where the request arrives, and where a model without a profile runs) must be
/// declared too.</item>
/// <item>An ARN is read the same way: a foundation-model ARN runs in its own region, a system inference-profile ARN by its
/// profile id; an application inference profile or provisioned model hides its regions, so it is refused.</item>
/// </list>
/// </summary>
internal static partial class BedrockDeploymentChecks
{
    /// <summary>Declared for a <c>global.</c> profile: any commercial AWS region.</summary>
    internal const string GlobalRegionCode = "GLOBAL";

    /// <summary>Declared for an <c>apac.</c> profile: any AWS region of Asia-Pacific.</summary>
    internal const string ApacRegionCode = "APAC";

    private static readonly (string Prefix, string Region)[] Profiles =
    [
        ("us-gov", "US"), ("us", "US"), ("eu", "EU"), ("apac", ApacRegionCode), ("au", "AU"), ("jp", "JP"), ("ca", "CA"), ("global", GlobalRegionCode),
    ];

    /// <summary>Checks <paramref name="d"/> when it is a Bedrock deployment; errors go to <paramref name="error"/> by field.</summary>
    public static void Validate(ProviderDeployment d, Action<string, string> error)
    {
        if (d.Provider != ProviderKind.AwsBedrock || string.IsNullOrWhiteSpace(d.Model) || d.ProcessingRegions.Count == 0 || d.ProcessingRegions.Any(r => r.IsUnknown))
        {
            return;
        }

        var declared = string.Join(", ", d.ProcessingRegions);
        var model = d.Model.Trim();
        string? armRegion = null;
        if (model.StartsWith("arn:", StringComparison.OrdinalIgnoreCase))
        {
            var arn = Arn().Match(model);
            if (!arn.Success)
            {
                error(nameof(d.Model), "is an ARN this check cannot read: use the model id or the system inference profile id (such as eu.anthropic.claude-sonnet-4-5-20250929-v1:0).");
                return;
            }

            armRegion = arn.Groups["region"].Value.ToLowerInvariant();
            var kind = arn.Groups["kind"].Value.ToLowerInvariant();
            if (kind is not ("foundation-model" or "inference-profile"))
            {
                error(nameof(d.Model), $"is a {kind} ARN, which does not say where it processes data: use a foundation model id or a system inference profile id, whose regions are known.");
                return;
            }

            model = arn.Groups["resource"].Value;
        }

        var profile = ProfileOf(model);
        if (profile is { } p && !d.ProcessingRegions.Any(r => r.Code.Equals(p.Region, StringComparison.OrdinalIgnoreCase)))
        {
            var where = p.Region switch
            {
                GlobalRegionCode => "any commercial AWS region in the world",
                ApacRegionCode => "any AWS region of Asia-Pacific (not only Australia)",
                _ => $"any AWS region of {p.Region}",
            };
            error(nameof(d.Model), $"is the '{p.Prefix}.' inference profile, which routes to {where}, but ProcessingRegions declares only {declared}: declare {p.Region}, or use the inference profile of the declared geography.");
        }

        if (!Uri.TryCreate(d.Endpoint, UriKind.Absolute, out var uri) || EndpointAddress.IsLoopbackOrUnspecified(uri))
        {
            return;
        }

        var host = RuntimeHost().Match(uri.Host);
        if (!host.Success)
        {
            error(nameof(d.Endpoint), $"host '{uri.Host}' is not a Bedrock Runtime endpoint: use https://bedrock-runtime.{{aws-region}}.amazonaws.com, whose region is where the request is received.");
            return;
        }

        var awsRegion = host.Groups["region"].Value.ToLowerInvariant();
        if (armRegion is not null && !string.Equals(armRegion, awsRegion, StringComparison.Ordinal))
        {
            error(nameof(d.Model), $"is an ARN of region {armRegion}, but the endpoint is in {awsRegion}: use an ARN of the endpoint's region.");
        }

        var jurisdiction = JurisdictionOf(awsRegion);
        if (jurisdiction is null)
        {
            error(nameof(d.Endpoint), $"is in AWS region {awsRegion}, whose jurisdiction this check does not know: use a region of the US, the EU, the UK, Switzerland, Canada, Japan or Australia.");
        }
        else if (!d.ProcessingRegions.Any(r => r.Code.Equals(jurisdiction, StringComparison.OrdinalIgnoreCase)))
        {
            error(nameof(d.Endpoint), $"is in AWS region {awsRegion} ({jurisdiction}), where the request is received{(profile is null ? " and processed" : "")}, but ProcessingRegions declares only {declared}: declare {jurisdiction} or use an endpoint in a declared region.");
        }
    }

    /// <summary>The inference-profile prefix of a model id and the region it must be declared as, or <see langword="null"/> for an in-region model id.</summary>
    internal static (string Prefix, string Region)? ProfileOf(string modelId)
    {
        foreach (var p in Profiles)
        {
            if (modelId.StartsWith(p.Prefix + ".", StringComparison.OrdinalIgnoreCase))
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>The data-residency jurisdiction of an AWS region code, or <see langword="null"/> when unknown.</summary>
    internal static string? JurisdictionOf(string awsRegion) => awsRegion switch
    {
        _ when awsRegion.StartsWith("us-", StringComparison.Ordinal) => "US",
        "eu-west-2" => "UK",
        "eu-central-2" => "CH",
        "eu-central-1" or "eu-west-1" or "eu-west-3" or "eu-north-1" or "eu-south-1" or "eu-south-2" => "EU",
        "ap-southeast-2" or "ap-southeast-4" => "AU",
        "ap-northeast-1" or "ap-northeast-3" => "JP",
        "ca-central-1" or "ca-west-1" => "CA",
        _ => null,
    };

    [GeneratedRegex(@"^bedrock-runtime(-fips)?\.(?<region>[a-z]{2}(-gov)?-[a-z]+-\d+)\.amazonaws\.com$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RuntimeHost();

    [GeneratedRegex(@"^arn:aws(-[a-z-]+)?:bedrock:(?<region>[a-z0-9-]+):(\d{12})?:(?<kind>[a-z-]+)/(?<resource>.+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Arn();
}
