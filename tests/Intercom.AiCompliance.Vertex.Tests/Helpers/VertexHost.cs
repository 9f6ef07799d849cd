using System.Globalization;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Vertex.Tests.Helpers;

/// <summary>An access token source that counts its calls and hands out numbered tokens valid for an hour on the test clock.</summary>
public sealed class FakeTokenSource(TimeProvider clock) : IVertexAccessTokenSource
{
    public const string Prefix = "ya29.fake-Secret-Token-";

    private int _calls;

    public int Calls => _calls;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    public ValueTask<VertexAccessToken> GetTokenAsync(CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _calls);
        return ValueTask.FromResult(new VertexAccessToken(Prefix + n.ToString(CultureInfo.InvariantCulture), clock.GetUtcNow() + Lifetime));
    }
}

/// <summary>
/// A host configured the way a user would: Vertex AI deployments "a" (preferred) and "b" in the catalogue, both pointing at
/// the loopback fake (under /a and /b), served by <c>AddVertexClients</c> bound from an <c>AiComplianceVertex</c> section, a
/// fake token source, an in-memory audit sink and a fake clock.
/// </summary>
public sealed class VertexHost : ProviderTestHost
{
    public const string Project = "proj-1";
    public const string Location = "us-central1";

    public VertexHost(FakeProviderServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, string workspaceRegion = "US",
        string deploymentRegion = "US", string[]? capabilities = null, IEnumerable<(string, string?)>? vertex = null, bool realTokens = false)
    {
        Tokens = new FakeTokenSource(Clock);
        var settings = CoreSettings(maxRetryAttempts, "ws-1", workspaceRegion);
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a", 0.9, deploymentRegion, capabilities));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b", 0.5, deploymentRegion, capabilities));
        settings.AddRange(vertex ?? [("AiComplianceVertex:ProjectId", Project), ("AiComplianceVertex:NonGoogleEndpointLocation", Location)]);
        Build(
            settings,
            logs,
            (builder, configuration) => builder.AddVertexClients(configuration.GetSection(VertexAiComplianceBuilderExtensions.SectionName)),
            beforeCompliance: services =>
            {
                if (!realTokens)
                {
                    services.AddSingleton<IVertexAccessTokenSource>(Tokens);
                }
            });
    }

    public FakeTokenSource Tokens { get; }

    /// <summary>The path of <paramref name="method"/> of deployment <paramref name="id"/> on the fake.</summary>
    public static string PathOf(string id, string method) =>
        $"/{id}/v1/projects/{Project}/locations/{Location}/publishers/google/models/model-{id}:{method}";

    public static IEnumerable<(string, string?)> Deployment(int i, string id, string endpoint, double resolution, string region = "US", string[]? capabilities = null)
    {
        var p = $"AiCompliance:Catalog:Deployments:{i}:";
        return
        [
            .. (capabilities ?? ["Chat", "Embeddings"]).Select((c, n) => (p + $"Capabilities:{n}", (string?)c)),
            (p + "Id", id),
            (p + "Provider", "GoogleVertex"),
            (p + "Subprocessor", "Google LLC (Vertex AI)"),
            (p + "Model", "model-" + id),
            (p + "ProcessingRegions:0", region),
            (p + "SubprocessorLists:0", "global"),
            (p + "Endpoint", endpoint),
            .. AttestedQuality(p, "VERTEX-ZDR", "VERTEX-NT", resolution),
        ];
    }

    public static AiRequest Chat(Microsoft.Extensions.AI.ChatOptions? options = null, string text = "How do I reset my password?") => ChatRequest("ws-1", UserSays(text), options);

    public static AiRequest Chat(IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null) => ChatRequest("ws-1", messages, options);
}

/// <summary>Documented Vertex AI answers.</summary>
public static class VertexReplies
{
    public static Reply Completion(string text = "Reset it from Settings.", string finish = "STOP") => Reply.Json(200,
        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":" + System.Text.Json.JsonSerializer.Serialize(text) + "}]},"
        + "\"finishReason\":\"" + finish + "\",\"safetyRatings\":[{\"category\":\"HARM_CATEGORY_HARASSMENT\",\"probability\":\"NEGLIGIBLE\"}]}],"
        + "\"usageMetadata\":{\"promptTokenCount\":12,\"candidatesTokenCount\":5,\"totalTokenCount\":17},\"modelVersion\":\"gemini-2.5-pro-001\",\"responseId\":\"resp-1\"}");

    public static Reply Error(int status, string grpcStatus, string message = "error", IReadOnlyDictionary<string, string>? headers = null) =>
        Reply.Json(status, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["error"] = new Dictionary<string, object> { ["code"] = status, ["message"] = message, ["status"] = grpcStatus } }), headers);
}
