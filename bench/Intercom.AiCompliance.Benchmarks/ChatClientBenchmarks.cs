using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>
/// The router as an M.E.AI client: GetResponseAsync through the router's IChatClient view against SendAsync, and
/// streaming through the router against the same client streamed directly, for the time to the first update and for
/// whole streams of 1, 20 and 200 updates (the router's added time must not grow with the number of updates).
/// No audit sink, so the router's own cost is measured.
/// </summary>
[MemoryDiagnoser]
public class ChatClientBenchmarks
{
    private readonly ReturningChatClient _client = new();
    private ProviderRouter _router = null!;
    private IChatClient _view = null!;
    private AiRequest _request = null!;
    private ChatMessage[] _messages = null!;

    [Params(1, 20, 200)]
    public int Updates { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _client.Updates = Updates;
        var catalog = Fixtures.Catalog(100);
        _request = Fixtures.Request();
        _messages = [.. ((ChatPayload)_request.Payload).Messages];
        _router = Fixtures.Router(catalog, AuditTrail.Discarding(), _client);
        _view = _router.AsChatClient(new ComplianceContext { WorkspaceId = _request.WorkspaceId, Product = _request.Product, Purpose = _request.Purpose });
    }

    [Benchmark(Description = "SendAsync")]
    public Task<AiResponse> SendAsync() => _router.SendAsync(_request);

    [Benchmark(Description = "IChatClient view: GetResponseAsync")]
    public Task<ChatResponse> ViaChatClient() => _view.GetResponseAsync(_messages);

    [Benchmark(Baseline = true, Description = "Stream, client directly: first update")]
    public Task<bool> FirstUpdateDirect() => FirstUpdate(_client.GetStreamingResponseAsync(_messages));

    [Benchmark(Description = "Stream via router: first update")]
    public Task<bool> FirstUpdateRouted() => FirstUpdate(_view.GetStreamingResponseAsync(_messages));

    [Benchmark(Description = "Stream, client directly: every update")]
    public Task<int> WholeStreamDirect() => Drain(_client.GetStreamingResponseAsync(_messages));

    [Benchmark(Description = "Stream via router: every update")]
    public Task<int> WholeStreamRouted() => Drain(_view.GetStreamingResponseAsync(_messages));

    private static async Task<bool> FirstUpdate(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        await using var e = stream.GetAsyncEnumerator();
        return await e.MoveNextAsync();
    }

    private static async Task<int> Drain(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        var n = 0;
        await foreach (var _ in stream)
        {
            n++;
        }

        return n;
    }
}
