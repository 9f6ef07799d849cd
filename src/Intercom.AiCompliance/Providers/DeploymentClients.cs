using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Providers;

/// <summary>
/// The clients of one deployment, one per capability it declares, and how the router calls them: the deployment's own
/// model id replaces whatever model id the caller set, and everything else the caller set passes through unchanged.
/// </summary>
internal sealed class DeploymentClients
{
    private readonly Served?[] _served;

    public DeploymentClients(ProviderDeployment deployment, Served?[] served)
    {
        Deployment = deployment;
        _served = served;
    }

    public ProviderDeployment Deployment { get; }

    /// <summary>The client serving <paramref name="capability"/>, with its type name and whether it is simulated.</summary>
    public Served For(Capability capability) =>
        (int)capability < _served.Length && _served[(int)capability] is { } s
            ? s
            : throw new ProviderException(ProviderFailureKind.BadRequest, $"Deployment '{Deployment.Id}' has no client for {capability}.");

    /// <summary>The chat client, for streaming.</summary>
    public IChatClient Chat => (IChatClient)For(Capability.Chat).Client;

    /// <summary>The caller's chat options with the deployment's model id: the plan, not the caller, chooses the model.</summary>
    public ChatOptions ChatOptionsFor(ChatOptions? options)
    {
        var o = options?.Clone() ?? new ChatOptions();
        o.ModelId = Deployment.Model;
        return o;
    }

    public async ValueTask<AiOutput> InvokeAsync(AiPayload payload, CancellationToken cancellationToken)
    {
        switch (payload)
        {
            case ChatPayload chat:
                var response = await Chat.GetResponseAsync(chat.Messages, ChatOptionsFor(chat.Options), cancellationToken).ConfigureAwait(false);
                return new ChatOutput(response);
            case EmbeddingPayload embed:
                var generator = (IEmbeddingGenerator<string, Embedding<float>>)For(Capability.Embeddings).Client;
                var embeddings = await generator.GenerateAsync(embed.Inputs, new EmbeddingGenerationOptions { ModelId = Deployment.Model }, cancellationToken).ConfigureAwait(false);
                if (embeddings.Count != embed.Inputs.Count)
                {
                    throw new ProviderException(ProviderFailureKind.ServerError, $"Deployment '{Deployment.Id}' returned {embeddings.Count} embeddings for {embed.Inputs.Count} inputs.");
                }

                return new EmbeddingOutput(embeddings.Select(e => e.Vector).ToArray()) { Usage = embeddings.Usage };
            case TranscriptionPayload transcription:
                var stt = (ISpeechToTextClient)For(Capability.Transcription).Client;
                using (var audio = new MemoryStream(transcription.Audio.ToArray(), writable: false))
                {
                    var text = await stt.GetTextAsync(audio, new SpeechToTextOptions { ModelId = Deployment.Model }, cancellationToken).ConfigureAwait(false);
                    return new TranscriptOutput(text.Text) { Usage = text.Usage };
                }

            case SpeechSynthesisPayload speech:
                var tts = (ITextToSpeechClient)For(Capability.SpeechSynthesis).Client;
                var spoken = await tts.GetAudioAsync(speech.Text, new TextToSpeechOptions { ModelId = Deployment.Model, VoiceId = speech.Voice }, cancellationToken).ConfigureAwait(false);
                var data = spoken.Contents.OfType<DataContent>().FirstOrDefault()
                    ?? throw new ProviderException(ProviderFailureKind.ServerError, $"Deployment '{Deployment.Id}' returned no audio.");
                return new SpeechOutput(data.Data, data.MediaType) { Usage = spoken.Usage };
            case RerankPayload rerank:
                var reranker = (IRerankingClient)For(Capability.Reranking).Client;
                var scores = await reranker.RerankAsync(rerank.Query, rerank.Documents, cancellationToken).ConfigureAwait(false);
                if (scores.Count != rerank.Documents.Count)
                {
                    throw new ProviderException(ProviderFailureKind.ServerError, $"Deployment '{Deployment.Id}' returned {scores.Count} scores for {rerank.Documents.Count} documents.");
                }

                return new RerankOutput(scores);
            default:
                throw new ProviderException(ProviderFailureKind.BadRequest, $"Deployment '{Deployment.Id}' cannot serve {payload.Capability}.");
        }
    }

    /// <summary>One capability's client.</summary>
    /// <param name="Client">The registered client.</param>
    /// <param name="Name">Its type name, as the audit record and the response report it.</param>
    /// <param name="Simulated">Whether it is a simulated client.</param>
    internal sealed record Served(object Client, string Name, bool Simulated);
}
