using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.AzureOpenAI.Tests.Helpers;

/// <summary>
/// A host configured the way a user would: Azure OpenAI deployments "a" (preferred) and "b", both Standard deployments
/// declared EU-only, their resource endpoints on the loopback fake (under /a and /b), served by <c>AddAzureOpenAIClients</c>,
/// an EU workspace, an in-memory audit sink and a fake clock.
/// </summary>
public sealed class AzureOpenAIHost : ProviderTestHost
{
    public const string ApiKey = "azkey-Secret0123456789abcdefAZUREKEY";

    public AzureOpenAIHost(FakeAzureOpenAIServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, Action<AzureOpenAIProviderOptions>? configure = null,
        Action<IServiceCollection>? host = null)
    {
        var settings = CoreSettings(maxRetryAttempts, "ws-eu", "EU");
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a", 0.9));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b", 0.5));
        Build(settings, logs, (builder, _) => builder.AddAzureOpenAIClients(configure ?? (o => o.ApiKey = ApiKey)), host: host);
    }

    public IDeploymentQuarantine Quarantine => Services.GetRequiredService<IDeploymentQuarantine>();

    public IReadOnlyList<AuditRecord> RequestRecords => Sink.Records.Where(r => r.Kind is null && r.Outcome != AuditOutcome.Intent).ToArray();

    public IReadOnlyList<AuditRecord> QuarantineRecords => Sink.Records.Where(r => r.Kind == AuditRecord.QuarantineKind).ToArray();

    public static IEnumerable<(string, string?)> Deployment(int i, string id, string endpoint, double resolution)
    {
        var p = $"AiCompliance:Catalog:Deployments:{i}:";
        return
        [
            (p + "Capabilities:0", "Chat"),
            (p + "Capabilities:1", "Embeddings"),
            (p + "Id", id),
            (p + "Provider", "AzureOpenAI"),
            (p + "DeploymentType", "Standard"),
            (p + "Subprocessor", "Microsoft Corporation"),
            (p + "Model", "deployment-" + id),
            (p + "ProcessingRegions:0", "EU"),
            (p + "SubprocessorLists:0", "global"),
            (p + "SubprocessorLists:1", "eu"),
            (p + "Endpoint", endpoint),
            .. AttestedQuality(p, "MSFT-ZDR", "MSFT-NT", resolution),
        ];
    }

    public static AiRequest Chat(Microsoft.Extensions.AI.ChatOptions? options = null, string text = "How do I reset my password?") => ChatRequest("ws-eu", UserSays(text), options);
}
