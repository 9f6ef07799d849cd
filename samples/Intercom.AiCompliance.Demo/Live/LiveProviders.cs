using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Intercom.AiCompliance.Demo.Live;

/// <summary>
/// What the live demo needs from each provider package, and whether the environment supplies it. Secrets come from
/// environment variables only; a provider without them is not registered, and the demo says so.
/// </summary>
/// <param name="Kind">The provider kind its deployments declare.</param>
/// <param name="Name">The name printed in the report.</param>
/// <param name="Missing">What is missing, naming the environment variables or keys to set; empty when configured.</param>
/// <param name="Register">Adds the package's clients (only called when configured).</param>
internal sealed record LiveProvider(ProviderKind Kind, string Name, IReadOnlyList<string> Missing, Action<AiComplianceBuilder, IConfiguration> Register)
{
    public bool IsConfigured => Missing.Count == 0;
}

internal static class LiveProviders
{
    /// <summary>
    /// Keys that hold secrets: accepted from environment variables (<c>AiComplianceOpenAI__ApiKey</c> or the vendor's own
    /// variable), refused in the configuration file.
    /// </summary>
    public static readonly string[] SecretKeys =
    [
        "AiComplianceOpenAI:ApiKey",
        "AiComplianceAzureOpenAI:ApiKey",
        "AiComplianceAnthropic:ApiKey",
        "AiComplianceBedrock:AccessKeyId",
        "AiComplianceBedrock:SecretAccessKey",
        "AiComplianceBedrock:SessionToken",
        "AiComplianceVertex:ServiceAccountJson",
        "AiComplianceElevenLabs:ApiKey",
        "AiCompliance:Audit:ChainKey",
    ];

    /// <summary>
    /// The vendors' own environment variables, mapped onto the packages' option keys (a package's own
    /// <c>Section__Key</c> variable wins when both are set).
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string?>> VendorVariables(IReadOnlyDictionary<string, string> env)
    {
        var map = new (string Variable, string Key)[]
        {
            ("OPENAI_API_KEY", "AiComplianceOpenAI:ApiKey"),
            ("AZURE_OPENAI_API_KEY", "AiComplianceAzureOpenAI:ApiKey"),
            ("ANTHROPIC_API_KEY", "AiComplianceAnthropic:ApiKey"),
            ("AWS_ACCESS_KEY_ID", "AiComplianceBedrock:AccessKeyId"),
            ("AWS_SECRET_ACCESS_KEY", "AiComplianceBedrock:SecretAccessKey"),
            ("AWS_SESSION_TOKEN", "AiComplianceBedrock:SessionToken"),
            ("AWS_PROFILE", "AiComplianceBedrock:Profile"),
            ("GOOGLE_CLOUD_PROJECT", "AiComplianceVertex:ProjectId"),
            ("ELEVENLABS_API_KEY", "AiComplianceElevenLabs:ApiKey"),
            ("ELEVENLABS_VOICE_ID", "AiComplianceElevenLabs:DefaultVoiceId"),
        };
        foreach (var (variable, key) in map)
        {
            if (env.TryGetValue(variable, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                yield return new(key, value);
            }
        }
    }

    /// <summary>Each provider package, with what the configuration lacks for it.</summary>
    public static IReadOnlyList<LiveProvider> Detect(IConfiguration config, IReadOnlyDictionary<string, string> env)
    {
        bool Has(string key) => !string.IsNullOrWhiteSpace(config[key]);
        var providers = new List<LiveProvider>
        {
            new(ProviderKind.OpenAI, "OpenAI",
                Has("AiComplianceOpenAI:ApiKey") ? [] : ["OPENAI_API_KEY (or AiComplianceOpenAI__ApiKey)"],
                (b, c) => b.AddOpenAIClients(c.GetSection(OpenAIAiComplianceBuilderExtensions.SectionName))),
            new(ProviderKind.AzureOpenAI, "Azure OpenAI",
                Has("AiComplianceAzureOpenAI:ApiKey") ? [] : ["AZURE_OPENAI_API_KEY (or AiComplianceAzureOpenAI__ApiKey)"],
                (b, c) => b.AddAzureOpenAIClients(c.GetSection(AzureOpenAIAiComplianceBuilderExtensions.SectionName))),
            new(ProviderKind.Anthropic, "Anthropic",
                Has("AiComplianceAnthropic:ApiKey") ? [] : ["ANTHROPIC_API_KEY (or AiComplianceAnthropic__ApiKey)"],
                (b, c) => b.AddAnthropicClients(c.GetSection(AnthropicAiComplianceBuilderExtensions.SectionName))),
            // The AWS credential chain would also ask the instance metadata service (a network call): the demo only
            // registers Bedrock when credentials or a profile are named explicitly.
            new(ProviderKind.AwsBedrock, "AWS Bedrock",
                (Has("AiComplianceBedrock:AccessKeyId") && Has("AiComplianceBedrock:SecretAccessKey")) || Has("AiComplianceBedrock:Profile")
                    ? []
                    : ["AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (optionally AWS_SESSION_TOKEN), or AWS_PROFILE"],
                (b, c) => b.AddBedrockClients(c.GetSection(BedrockAiComplianceBuilderExtensions.SectionName))),
            // Likewise Google's application default credentials fall back to the metadata server: the demo needs them named.
            new(ProviderKind.GoogleVertex, "Google Vertex AI",
                [
                    .. Has("AiComplianceVertex:ServiceAccountJson") || env.ContainsKey("GOOGLE_APPLICATION_CREDENTIALS")
                        ? Array.Empty<string>()
                        : ["GOOGLE_APPLICATION_CREDENTIALS (a service-account or ADC JSON file; or AiComplianceVertex__ServiceAccountJson)"],
                    .. Has("AiComplianceVertex:ProjectId") ? Array.Empty<string>() : ["GOOGLE_CLOUD_PROJECT (or AiComplianceVertex:ProjectId)"],
                ],
                (b, c) => b.AddVertexClients(c.GetSection(VertexAiComplianceBuilderExtensions.SectionName))),
            new(ProviderKind.ElevenLabs, "ElevenLabs",
                [
                    .. Has("AiComplianceElevenLabs:ApiKey") ? Array.Empty<string>() : ["ELEVENLABS_API_KEY (or AiComplianceElevenLabs__ApiKey)"],
                    .. Has("AiComplianceElevenLabs:DefaultVoiceId") ? Array.Empty<string>() : ["ELEVENLABS_VOICE_ID (or AiComplianceElevenLabs:DefaultVoiceId)"],
                ],
                (b, c) => b.AddElevenLabsClients(c.GetSection(ElevenLabsAiComplianceBuilderExtensions.SectionName))),
        };
        return providers;
    }
}
