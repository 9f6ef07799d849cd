using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>
/// The cost of egress redaction per request: SendAsync of one chat request (a 4 KB support conversation in 8 messages,
/// with e-mails, phones, cards, IBANs and URLs) through a one-deployment catalogue to a client that answers at once with
/// an answer quoting three placeholders, with the workspace's policy Off (baseline), Redact and RedactAndRestore. No
/// audit, so the difference is the redaction (detection, the redacted copy, the thread-pool hop of the time bound) and
/// the restore.
/// </summary>
[MemoryDiagnoser]
public class RedactionBenchmarks
{
    private ProviderRouter _off = null!;
    private ProviderRouter _redact = null!;
    private ProviderRouter _restore = null!;
    private AiRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        // One Azure OpenAI deployment (Fixtures.Catalog's synthetic catalogue no longer passes the provider checks).
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var catalog = ProviderCatalog.Create(
        [
            new ProviderDeployment
            {
                Id = "aoai-us",
                Provider = ProviderKind.AzureOpenAI,
                DeploymentType = DeploymentType.Standard,
                Subprocessor = "Microsoft",
                Model = "m",
                Capabilities = [Capability.Chat],
                ProcessingRegions = [Region.US],
                Endpoint = "https://aoai-us.example.test",
                SubprocessorLists = [SubprocessorLists.Global],
                Attestations =
                [
                    new Attestation { Kind = AttestationKind.ZeroDataRetention, Reference = "Z", EffectiveFrom = start, ExpiresAt = start.AddYears(5) },
                    new Attestation { Kind = AttestationKind.NoTraining, Reference = "N", EffectiveFrom = start, ExpiresAt = start.AddYears(5) },
                ],
                Quality = new QualityPriors { ResolutionRate = 0.6, HallucinationRate = 0.02, LatencyMs = 500 },
            },
        ]);
        var text = AnonymizationBenchmarks.Conversation(4096);
        var messages = Enumerable.Range(0, 8)
            .Select(i => new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, text.Substring(i * 512, 512)))
            .ToArray();
        _request = Fixtures.Request() with { Payload = new ChatPayload(messages) };
        var client = new PlaceholderAnswerClient();
        ProviderRouter With(RedactionPolicy policy) =>
            Fixtures.Router(catalog, AuditTrail.Discarding(), client, new ProviderRouterOptions(), Fixtures.Profile(Region.US) with { EgressRedaction = policy });
        _off = With(RedactionPolicy.Off);
        _redact = With(RedactionPolicy.Redact);
        _restore = With(RedactionPolicy.RedactAndRestore);
    }

    [Benchmark(Baseline = true, Description = "SendAsync, redaction Off, 4 KB chat")]
    public Task<AiResponse> Off() => _off.SendAsync(_request);

    [Benchmark(Description = "SendAsync, Redact, 4 KB chat")]
    public Task<AiResponse> Redact() => _redact.SendAsync(_request);

    [Benchmark(Description = "SendAsync, RedactAndRestore, 4 KB chat")]
    public Task<AiResponse> RedactAndRestore() => _restore.SendAsync(_request);

    /// <summary>Answers at once with a fresh response quoting placeholders (restore changes the response in place).</summary>
    private sealed class PlaceholderAnswerClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "I have refunded [CARD_1] and written to [EMAIL_1]; call [PHONE_1] if needed.")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
