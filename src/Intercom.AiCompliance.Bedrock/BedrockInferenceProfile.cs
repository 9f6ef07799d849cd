namespace Intercom.AiCompliance.Bedrock;

/// <summary>The prefixes of Bedrock's system-defined cross-Region inference profiles (<c>us.anthropic...</c>, <c>global.amazon...</c>).</summary>
internal static class BedrockInferenceProfile
{
    public static readonly IReadOnlyList<string> GeographyPrefixes = ["us-gov", "us", "eu", "apac", "au", "jp", "ca", "global"];
}
