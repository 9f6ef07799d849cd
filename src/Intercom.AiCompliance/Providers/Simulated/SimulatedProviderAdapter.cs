using System.Security.Cryptography;
using System.Text;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;

namespace Intercom.AiCompliance.Providers.Simulated;

/// <summary>
/// An in-process stand-in for a provider, for demos and tests: answers every capability the deployment serves with
/// a plausible result, and injects latency, faults (429 with Retry-After, 5xx, timeouts, connection failures,
/// refusals) and outages with Polly's chaos strategies and a seeded randomizer.
/// </summary>
public sealed class SimulatedProviderAdapter : IProviderAdapter
{
    private static readonly ResiliencePropertyKey<string> DeploymentKey = new("aicompliance.simulated.deployment");
    private readonly SimulationOptions _options;
    private readonly Random _random;
    private readonly object _randomGate = new();
    private readonly ResiliencePipeline _chaos;
    private readonly TimeProvider _time;

    /// <summary>Creates a simulated adapter for <paramref name="provider"/>.</summary>
    public SimulatedProviderAdapter(ProviderKind provider, SimulationOptions? options = null, TimeProvider? timeProvider = null)
    {
        Provider = provider;
        _options = options ?? new SimulationOptions();
        _random = new Random(HashCode.Combine(_options.Seed, (int)provider) & int.MaxValue);
        _time = timeProvider ?? TimeProvider.System;
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        builder
            .AddChaosFault(new ChaosFaultStrategyOptions
            {
                Randomizer = NextDouble,
                InjectionRateGenerator = args => new ValueTask<double>(IsDown(args.Context) ? 1 : _options.FaultRate),
                FaultGenerator = args => new ValueTask<Exception?>(NextFault(args.Context)),
            })
            .AddChaosLatency(new ChaosLatencyStrategyOptions
            {
                Randomizer = NextDouble,
                InjectionRateGenerator = _ => new ValueTask<double>(_options.LatencyRate),
                LatencyGenerator = _ => new ValueTask<TimeSpan>(_options.Latency),
            });
        _chaos = builder.Build();
    }

    /// <inheritdoc/>
    public ProviderKind Provider { get; }

    /// <summary>How many calls this adapter has received, faults included.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    private long _calls;

    /// <summary>Creates one simulated adapter per provider kind, sharing <paramref name="options"/>.</summary>
    public static IReadOnlyList<SimulatedProviderAdapter> ForEveryProvider(SimulationOptions? options = null, TimeProvider? timeProvider = null) =>
        Enum.GetValues<ProviderKind>().Where(k => k != ProviderKind.Unknown)
            .Select(k => new SimulatedProviderAdapter(k, options, timeProvider)).ToArray();

    /// <inheritdoc/>
    public async ValueTask<AiOutput> InvokeAsync(ProviderDeployment deployment, AiPayload payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(payload);
        Interlocked.Increment(ref _calls);
        if (!deployment.Supports(payload.Capability))
        {
            throw new ProviderException(ProviderFailureKind.BadRequest, $"{deployment.Id} does not serve {payload.Capability}.", 400);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(DeploymentKey, deployment.Id);
            return await _chaos.ExecuteAsync(
                static (ctx, state) => ValueTask.FromResult(Answer(state.deployment, state.payload)),
                context,
                (deployment, payload)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private bool IsDown(ResilienceContext context) =>
        context.Properties.TryGetValue(DeploymentKey, out var id) && _options.IsDown(id, _time.GetUtcNow());

    private double NextDouble()
    {
        lock (_randomGate)
        {
            return _random.NextDouble();
        }
    }

    private ProviderException NextFault(ResilienceContext context)
    {
        if (IsDown(context))
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

    private static AiOutput Answer(ProviderDeployment deployment, AiPayload payload) => payload switch
    {
        ChatPayload => new ChatOutput(new ChatResponse(new ChatMessage(ChatRole.Assistant,
            "Thanks for reaching out. You can reset your password from Settings > Security; I've sent you the steps."))
        {
            ModelId = deployment.Model,
        }),
        SpeechSynthesisPayload s => new SpeechOutput(Tone(s.Text.Length), "audio/wav"),
        TranscriptionPayload t => new TranscriptOutput($"[simulated transcript of {t.Audio.Length} bytes of {t.MediaType}]"),
        EmbeddingPayload e => new EmbeddingOutput(e.Inputs.Select(Embed).ToArray()),
        RerankPayload r => new RerankOutput(r.Documents.Select(d => Overlap(r.Query, d)).ToArray()),
        _ => throw new ProviderException(ProviderFailureKind.BadRequest, "Unsupported payload type.", 400),
    };

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
