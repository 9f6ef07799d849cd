using System.Security.Cryptography;
using System.Text;
using Intercom.AiCompliance.Catalog;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;

namespace Intercom.AiCompliance.Providers.Simulated;

/// <summary>
/// An in-process stand-in for one deployment, for demos and tests: an M.E.AI client for every capability (chat with
/// streaming, embeddings, transcription, speech synthesis, and reranking) that answers with a plausible result, and
/// injects latency, faults (429 with Retry-After, 5xx, timeouts, connection failures, refusals) and outages with Polly's
/// chaos strategies and a seeded randomizer. It runs only where the host opted in
/// (<c>AddSimulatedClientsForDemosAndTests</c>), and the audit records of requests it served say so.
/// </summary>
public sealed class SimulatedProviderClient : IChatClient, IEmbeddingGenerator<string, Embedding<float>>, ISpeechToTextClient, ITextToSpeechClient, IRerankingClient
{
    private const string Answer = "Thanks for reaching out. You can reset your password from Settings > Security; I've sent you the steps.";
    private readonly ProviderDeployment _deployment;
    private readonly SimulationOptions _options;
    private readonly Random _random;
    private readonly object _randomGate = new();
    private readonly ResiliencePipeline _chaos;
    private readonly TimeProvider _time;
    private long _calls;

    /// <summary>Creates the simulated client of <paramref name="deployment"/>.</summary>
    public SimulatedProviderClient(ProviderDeployment deployment, SimulationOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        _deployment = deployment;
        _options = options ?? new SimulationOptions();
        _random = new Random(HashCode.Combine(_options.Seed, StableHash(deployment.Id)) & int.MaxValue);
        _time = timeProvider ?? TimeProvider.System;
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        builder
            .AddChaosFault(new ChaosFaultStrategyOptions
            {
                Randomizer = NextDouble,
                InjectionRateGenerator = _ => new ValueTask<double>(IsDown() ? 1 : _options.FaultRate),
                FaultGenerator = _ => new ValueTask<Exception?>(NextFault()),
            })
            .AddChaosLatency(new ChaosLatencyStrategyOptions
            {
                Randomizer = NextDouble,
                InjectionRateGenerator = _ => new ValueTask<double>(_options.LatencyRate),
                LatencyGenerator = _ => new ValueTask<TimeSpan>(_options.Latency),
            });
        _chaos = builder.Build();
    }

    /// <summary>How many calls this client has received, faults included.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await CallAsync(cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer))
        {
            ModelId = _deployment.Model,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 12, OutputTokenCount = 20, TotalTokenCount = 32 },
        };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await CallAsync(cancellationToken).ConfigureAwait(false);
        foreach (var word in Answer.Split(' '))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, word + " ") { ModelId = _deployment.Model };
        }

        yield return new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop, Contents = [new UsageContent(new UsageDetails { InputTokenCount = 12, OutputTokenCount = 20, TotalTokenCount = 32 })] };
    }

    /// <inheritdoc/>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        await CallAsync(cancellationToken).ConfigureAwait(false);
        return new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Embed(v)) { ModelId = _deployment.Model }));
    }

    /// <inheritdoc/>
    public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audioSpeechStream);
        await CallAsync(cancellationToken).ConfigureAwait(false);
        long length = 0;
        var buffer = new byte[8192];
        int read;
        while ((read = await audioSpeechStream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        return new SpeechToTextResponse($"[simulated transcript of {length} bytes of audio]") { ModelId = _deployment.Model };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetTextAsync(audioSpeechStream, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToSpeechToTextResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc/>
    public async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
    {
        await CallAsync(cancellationToken).ConfigureAwait(false);
        return new TextToSpeechResponse([new DataContent(Tone(text?.Length ?? 0), "audio/wav")]) { ModelId = _deployment.Model };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(string text, TextToSpeechOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetAudioAsync(text, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToTextToSpeechResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<double>> RerankAsync(string query, IReadOnlyList<string> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        await CallAsync(cancellationToken).ConfigureAwait(false);
        return documents.Select(d => Overlap(query, d)).ToArray();
    }

    /// <summary>Returns this client when asked for <see cref="SimulatedProviderClient"/>, so middleware around it still shows it is simulated.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }

    private async ValueTask CallAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        await _chaos.ExecuteAsync(static _ => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
    }

    private static int StableHash(string text)
    {
        // string.GetHashCode is randomised per process; a scenario must replay exactly, so the seed uses FNV-1a.
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }

    private bool IsDown() => _options.IsDown(_deployment.Id, _time.GetUtcNow());

    private double NextDouble()
    {
        lock (_randomGate)
        {
            return _random.NextDouble();
        }
    }

    private ProviderException NextFault()
    {
        if (IsDown())
        {
            return new ProviderException(ProviderFailureKind.ServerError, "Simulated outage: 503 Service Unavailable.", 503);
        }

        var total = _options.FaultMix.Values.Where(w => w > 0).Sum();
        var pick = NextDouble() * total;
        var kind = ProviderFailureKind.ServerError;
        foreach (var (k, w) in _options.FaultMix.OrderBy(p => p.Key))
        {
            if (w <= 0)
            {
                continue;
            }

            kind = k;
            pick -= w;
            if (pick < 0)
            {
                break;
            }
        }

        return kind switch
        {
            ProviderFailureKind.RateLimited => new ProviderException(kind, "Simulated 429 Too Many Requests.", 429, _options.RetryAfter),
            ProviderFailureKind.ServerError => new ProviderException(kind, "Simulated 503 Service Unavailable.", 503),
            ProviderFailureKind.Timeout => new ProviderException(kind, "Simulated 504 Gateway Timeout.", 504),
            ProviderFailureKind.ConnectionFailure => new ProviderException(kind, "Simulated connection reset."),
            ProviderFailureKind.BadRequest => new ProviderException(kind, "Simulated 400 Bad Request.", 400),
            ProviderFailureKind.Authentication => new ProviderException(kind, "Simulated 401 Unauthorized.", 401),
            _ => new ProviderException(ProviderFailureKind.ContentPolicyRefusal, "Simulated content-policy refusal.", 400),
        };
    }

    private static byte[] Tone(int textLength)
    {
        // A silent 8 kHz mono PCM body, about 60 ms per character, behind a minimal WAV header.
        var samples = Math.Clamp(textLength * 480, 480, 8_000 * 30);
        var wav = new byte[44 + (samples * 2)];
        Encoding.ASCII.GetBytes("RIFF").CopyTo(wav, 0);
        BitConverter.GetBytes(36 + (samples * 2)).CopyTo(wav, 4);
        Encoding.ASCII.GetBytes("WAVEfmt ").CopyTo(wav, 8);
        BitConverter.GetBytes(16).CopyTo(wav, 16);
        BitConverter.GetBytes((short)1).CopyTo(wav, 20);
        BitConverter.GetBytes((short)1).CopyTo(wav, 22);
        BitConverter.GetBytes(8_000).CopyTo(wav, 24);
        BitConverter.GetBytes(16_000).CopyTo(wav, 28);
        BitConverter.GetBytes((short)2).CopyTo(wav, 32);
        BitConverter.GetBytes((short)16).CopyTo(wav, 34);
        Encoding.ASCII.GetBytes("data").CopyTo(wav, 36);
        BitConverter.GetBytes(samples * 2).CopyTo(wav, 40);
        return wav;
    }

    private static ReadOnlyMemory<float> Embed(string text)
    {
        // A deterministic unit vector derived from the text, so equal texts embed equally.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text ?? string.Empty));
        var v = new float[16];
        double norm = 0;
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (hash[i] - 127.5f) / 127.5f;
            norm += v[i] * v[i];
        }

        var scale = (float)(1 / Math.Sqrt(norm == 0 ? 1 : norm));
        for (var i = 0; i < v.Length; i++)
        {
            v[i] *= scale;
        }

        return v;
    }

    private static double Overlap(string query, string document)
    {
        var q = Words(query);
        if (q.Count == 0)
        {
            return 0;
        }

        var d = Words(document);
        return (double)q.Count(d.Contains) / q.Count;
    }

    private static HashSet<string> Words(string? text) =>
        (text ?? string.Empty).Split([' ', ',', '.', '?', '!', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.ToUpperInvariant()).ToHashSet();
}
