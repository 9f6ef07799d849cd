using System.Diagnostics;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.Telemetry;

/// <summary>
/// The OpenTelemetry GenAI semantic conventions the attempt spans carry next to the package's own <c>aicompliance.*</c>
/// tags: attribute names, the conventions' well-known values, and the recommended duration buckets. Every value is
/// low-cardinality or a count; never a prompt, an answer, a workspace id or a key.
/// </summary>
internal static class GenAiConventions
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";

    /// <summary>The general <c>error.type</c> attribute: the failure kind, or <c>_OTHER</c> when it was not classified.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The conventions' fallback value of <c>error.type</c> when no more specific value applies.</summary>
    public const string OtherError = "_OTHER";

    /// <summary>
    /// The buckets the GenAI conventions recommend for <c>gen_ai.client.operation.duration</c>, in seconds: 10 ms
    /// doubling up to about 82 s, which spans an embedding lookup and a long generation alike.
    /// </summary>
    public static IReadOnlyList<double> DurationBuckets { get; } =
        [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    /// <summary>
    /// <c>gen_ai.operation.name</c> for a capability: the conventions' well-known <c>chat</c> and <c>embeddings</c>;
    /// the conventions name no operation for speech or reranking, so those use custom values (which they allow).
    /// </summary>
    public static string Operation(Capability capability) => capability switch
    {
        Capability.Chat => "chat",
        Capability.Embeddings => "embeddings",
        Capability.SpeechSynthesis => "text_to_speech",
        Capability.Transcription => "speech_to_text",
        Capability.Reranking => "rerank",
        _ => "unknown",
    };

    /// <summary>
    /// <c>gen_ai.provider.name</c>: the conventions' well-known values where one applies (<c>aws.bedrock</c>,
    /// <c>openai</c>, <c>anthropic</c>, <c>azure.ai.openai</c>, <c>gcp.vertex_ai</c>); custom values otherwise.
    /// </summary>
    public static string Provider(ProviderKind provider) => provider switch
    {
        ProviderKind.AwsBedrock => "aws.bedrock",
        ProviderKind.OpenAI => "openai",
        ProviderKind.Anthropic => "anthropic",
        ProviderKind.AzureOpenAI => "azure.ai.openai",
        ProviderKind.GoogleVertex => "gcp.vertex_ai",
        ProviderKind.ElevenLabs => "elevenlabs",
        ProviderKind.FirstParty => "intercom.fin_cx",
        _ => "unknown",
    };

    /// <summary>The <c>error.type</c> of a failed attempt: its failure kind's name, or <c>_OTHER</c> when unclassified.</summary>
    public static string Error(ProviderFailureKind? kind) => kind?.ToString() ?? OtherError;

    /// <summary>Tags an attempt span with what is known before the call: operation, provider and requested model.</summary>
    public static void TagRequest(Activity activity, Capability capability, ProviderKind provider, string model)
    {
        activity.SetTag(OperationName, Operation(capability));
        activity.SetTag(ProviderName, Provider(provider));
        if (!string.IsNullOrEmpty(model))
        {
            activity.SetTag(RequestModel, model);
        }
    }

    /// <summary>Tags an attempt span with what the client reported: the model that answered and the token counts.</summary>
    public static void TagResponse(Activity activity, string? responseModel, long? inputTokens, long? outputTokens)
    {
        if (!string.IsNullOrEmpty(responseModel))
        {
            activity.SetTag(ResponseModel, responseModel);
        }

        if (inputTokens is { } input)
        {
            activity.SetTag(InputTokens, input);
        }

        if (outputTokens is { } output)
        {
            activity.SetTag(OutputTokens, output);
        }
    }
}
