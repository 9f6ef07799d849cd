using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Bedrock.Tests.Helpers;

/// <summary>
/// A host configured the way a user would: Bedrock deployments "a" (preferred) and "b" in the catalogue, both on the
/// loopback fake (under /a and /b), served by <c>AddBedrockClients</c> with explicit keys, an in-memory audit sink and a fake clock.
/// </summary>
internal sealed class BedrockHost : ProviderTestHost
{
    public const string AccessKeyId = "AKIATESTBEDROCK0KEY1";
    public const string SecretAccessKey = "Secret/Bedrock+0123456789abcdefXYZsecret";
    public const string SessionToken = "FwoGZXIvYXdzEBsessionTOKEN0123456789";
    public const string ModelA = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    public const string ModelB = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0";

    public BedrockHost(FakeBedrockServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, Action<BedrockProviderOptions>? configure = null,
        string workspaceRegion = "US", string[]? capabilities = null, string? modelA = null, string? modelB = null, Action<IServiceCollection>? host = null, IEnumerable<(string, string?)>? section = null)
    {
        var settings = CoreSettings(maxRetryAttempts, "ws-1", workspaceRegion);
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a", modelA ?? ModelA, 0.9, capabilities: capabilities));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b", modelB ?? ModelB, 0.5, capabilities: capabilities));
        settings.AddRange(section ?? []);
        Build(settings, logs, (builder, configuration) =>
        {
            if (section is null)
            {
                builder.AddBedrockClients(configure ?? (o =>
                {
                    o.AccessKeyId = AccessKeyId;
                    o.SecretAccessKey = SecretAccessKey;
                }));
            }
            else
            {
                builder.AddBedrockClients(configuration.GetSection(BedrockAiComplianceBuilderExtensions.SectionName), configure);
            }
        }, host: host);
    }

    public static IEnumerable<(string, string?)> Deployment(int i, string id, string endpoint, string model, double resolution, string region = "US", string[]? capabilities = null)
    {
        var p = $"AiCompliance:Catalog:Deployments:{i}:";
        return
        [
            .. (capabilities ?? ["Chat"]).Select((c, n) => (p + $"Capabilities:{n}", (string?)c)),
            (p + "Id", id),
            (p + "Provider", "AwsBedrock"),
            (p + "Subprocessor", "Amazon Web Services, Inc."),
            (p + "Model", model),
            (p + "ProcessingRegions:0", region),
            (p + "SubprocessorLists:0", "global"),
            (p + "Endpoint", endpoint),
            .. AttestedQuality(p, "AWS-ZDR", "AWS-NT", resolution),
        ];
    }

    public static AiRequest Chat(Microsoft.Extensions.AI.ChatOptions? options = null, params Microsoft.Extensions.AI.ChatMessage[] messages) =>
        ChatRequest("ws-1", messages.Length > 0 ? messages : UserSays("How do I reset my password?"), options);

    public static ComplianceContext Context => new()
    {
        WorkspaceId = "ws-1",
        Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent,
        Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser,
    };
}
