using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>
/// A spying M.E.AI client for one deployment, for every capability: records each call (deployment, time, what it was
/// given) and answers from a per-deployment script; deployments without a script answer successfully. Streams are
/// scripted per deployment too.
/// </summary>
public sealed class ScriptedClient(ProviderDeployment deployment, ScriptedClient.Shared shared)
    : IChatClient, IEmbeddingGenerator<string, Embedding<float>>, ISpeechToTextClient, ITextToSpeechClient, IRerankingClient
{
    /// <summary>A registry serving every deployment of every provider with a scripted client that shares one state.</summary>
    public static (DeploymentClientRegistry Registry, Shared State) ForEveryProvider(TimeProvider time)
    {
        var shared = new Shared(time);
        var registry = new DeploymentClientRegistry();
        var clients = new ConcurrentDictionary<string, ScriptedClient>(StringComparer.OrdinalIgnoreCase);
        ScriptedClient For(ProviderDeployment d) => clients.GetOrAdd(d.Id, _ => new ScriptedClient(d, shared));
        foreach (var kind in Enum.GetValues<ProviderKind>().Where(k => k != ProviderKind.Unknown))
        {
            registry.Add<IChatClient>(kind, (_, d) => For(d));
            registry.Add<IEmbeddingGenerator<string, Embedding<float>>>(kind, (_, d) => For(d));
            registry.Add<ISpeechToTextClient>(kind, (_, d) => For(d));
            registry.Add<ITextToSpeechClient>(kind, (_, d) => For(d));
            registry.Add<IRerankingClient>(kind, (_, d) => For(d));
        }

        return (registry, shared);
    }

    private async Task CallAsync(CancellationToken cancellationToken)
    {
        shared.Calls.Enqueue((deployment.Id, shared.Time.GetUtcNow()));
        cancellationToken.ThrowIfCancellationRequested();
        if (shared.Scripts.TryGetValue(deployment.Id, out var script))
        {
            await script(cancellationToken);
        }
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        shared.ChatCalls.Enqueue((deployment.Id, messages.ToArray(), options));
        await CallAsync(cancellationToken);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok from " + deployment.Id))
        {
            ResponseId = "resp-" + deployment.Id,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 7, OutputTokenCount = 3, TotalTokenCount = 10 },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        shared.ChatCalls.Enqueue((deployment.Id, messages.ToArray(), options));
        await CallAsync(cancellationToken);
        if (shared.Streams.TryGetValue(deployment.Id, out var stream))
        {
            await foreach (var update in stream(cancellationToken).WithCancellation(cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        foreach (var word in new[] { "ok ", "from ", deployment.Id })
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, word) { ResponseId = "resp-" + deployment.Id };
        }
    }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        await CallAsync(cancellationToken);
        return new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(new float[] { v.Length, 1 })));
    }

    public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        await CallAsync(cancellationToken);
        return new SpeechToTextResponse("transcript from " + deployment.Id);
    }

    public IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
    {
        await CallAsync(cancellationToken);
        return new TextToSpeechResponse([new DataContent(new byte[] { 1, 2, 3 }, "audio/wav")]);
    }

    public IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public async Task<IReadOnlyList<double>> RerankAsync(string query, IReadOnlyList<string> documents, CancellationToken cancellationToken = default)
    {
        await CallAsync(cancellationToken);
        return documents.Select(_ => 0.5).ToArray();
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    public sealed class Shared(TimeProvider time)
    {
        public TimeProvider Time { get; } = time;

        public ConcurrentQueue<(string DeploymentId, DateTimeOffset At)> Calls { get; } = new();

        /// <summary>What each chat call was given: the messages and the options as the deployment's client saw them.</summary>
        public ConcurrentQueue<(string DeploymentId, ChatMessage[] Messages, ChatOptions? Options)> ChatCalls { get; } = new();

        public ConcurrentDictionary<string, Func<CancellationToken, Task>> Scripts { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Per-deployment streams, yielded after the call's script ran.</summary>
        public ConcurrentDictionary<string, Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>> Streams { get; } = new(StringComparer.OrdinalIgnoreCase);

        public int CallsTo(string id) => Calls.Count(c => c.DeploymentId == id);

        public void Fail(string id, ProviderFailureKind kind, TimeSpan? retryAfter = null) =>
            Scripts[id] = _ => throw new ProviderException(kind, $"scripted {kind}", kind == ProviderFailureKind.RateLimited ? 429 : 503, retryAfter);

        public void FailTimes(string id, int times, ProviderFailureKind kind, TimeSpan? retryAfter = null)
        {
            var left = times;
            Scripts[id] = _ => Interlocked.Decrement(ref left) >= 0
                ? throw new ProviderException(kind, $"scripted {kind}", kind == ProviderFailureKind.RateLimited ? 429 : 503, retryAfter)
                : Task.CompletedTask;
        }
    }
}
