using System.Globalization;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.ElevenLabs.Tests.Helpers;

/// <summary>
/// A host configured the way a user would: ElevenLabs deployments "a" (preferred) and "b" in the catalogue, both pointing at
/// the loopback fake (under /a and /b), served by <c>AddElevenLabsClients</c> bound from an <c>AiComplianceElevenLabs</c>
/// section, an in-memory audit sink and a fake clock.
/// </summary>
public sealed class ElevenLabsHost : ProviderTestHost
{
    public const string ApiKey = "sk_elevenlabs_Secret0123456789abcdefKEY";
    public const string Voice = "21m00Tcm4TlvDq8ikWAM";

    public ElevenLabsHost(FakeProviderServer server, int maxRetryAttempts = 0, ILoggerProvider? logs = null, string workspaceRegion = "US",
        string deploymentRegion = "US", IEnumerable<(string, string?)>? elevenLabs = null, Action<IServiceCollection>? host = null,
        Action<ElevenLabsProviderOptions>? configure = null)
    {
        var settings = CoreSettings(maxRetryAttempts, "ws-1", workspaceRegion);
        settings.AddRange(Deployment(0, "a", server.BaseAddress + "/a", 0.9, deploymentRegion));
        settings.AddRange(Deployment(1, "b", server.BaseAddress + "/b", 0.5, deploymentRegion));
        settings.AddRange(elevenLabs ?? [("AiComplianceElevenLabs:ApiKey", ApiKey)]);
        Build(settings, logs, (builder, configuration) =>
            builder.AddElevenLabsClients(configuration.GetSection(ElevenLabsAiComplianceBuilderExtensions.SectionName), configure), host: host);
    }

    /// <summary>The catalogue deployment <paramref name="id"/>.</summary>
    public ProviderDeployment DeploymentOf(string id) =>
        Services.GetRequiredService<ProviderCatalog>().Deployments.Single(d => d.Id == id);

    /// <summary>A text-to-speech client of deployment <paramref name="id"/>, built as the router builds it.</summary>
    public ITextToSpeechClient TextToSpeechClient(string id) => ElevenLabsDeploymentClientFactory.TextToSpeech(Services, DeploymentOf(id));

    public static IEnumerable<(string, string?)> Deployment(int i, string id, string endpoint, double resolution, string region = "US")
    {
        var p = $"AiCompliance:Catalog:Deployments:{i}:";
        return
        [
            (p + "Capabilities:0", "SpeechSynthesis"),
            (p + "Capabilities:1", "Transcription"),
            (p + "Id", id),
            (p + "Provider", "ElevenLabs"),
            (p + "Subprocessor", "ElevenLabs, Inc."),
            (p + "Model", "model-" + id),
            (p + "ProcessingRegions:0", region),
            (p + "SubprocessorLists:0", "global"),
            (p + "Endpoint", endpoint),
            .. AttestedQuality(p, "ELEVENLABS-ZRM", "ELEVENLABS-NT", resolution, hallucination: "0.0", latencyMs: "300"),
        ];
    }

    public static AiRequest Speech(string text = "Your refund is on its way.", string? voice = Voice) => new()
    {
        WorkspaceId = "ws-1",
        Product = Intercom.AiCompliance.Workspaces.AiProduct.FinVoice,
        Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser,
        Payload = new SpeechSynthesisPayload(text, voice),
    };

    public static AiRequest Transcription(byte[] audio) => new()
    {
        WorkspaceId = "ws-1",
        Product = Intercom.AiCompliance.Workspaces.AiProduct.FinVoice,
        Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser,
        Payload = new TranscriptionPayload(audio),
    };
}

/// <summary>Documented ElevenLabs answers.</summary>
public static class ElevenLabsReplies
{
    public static readonly byte[] Mp3 = [0xFF, 0xFB, 0x90, 0x64, 0x00, 0x0F, 0xF0, 0x00, 0x00, 0x69, 0x00, 0x00];

    public static Reply Audio(byte[]? audio = null) =>
        new(200, audio ?? Mp3, "audio/mpeg", new Dictionary<string, string> { ["request-id"] = "req-123" });

    public static Reply Error(int status, string code, string message = "error", IReadOnlyDictionary<string, string>? headers = null) =>
        Reply.Json(status, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["detail"] = new Dictionary<string, object> { ["status"] = code, ["message"] = message } }), headers);
}
