using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Routing;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>Routed requests per second with every core busy (returning adapter, no audit; and with audit).</summary>
[MemoryDiagnoser]
public class ThroughputBenchmarks
{
    private const int Requests = 20_000;
    private ProviderRouter _router = null!;
    private ProviderRouter _audited = null!;
    private AuditTrail _trail = null!;
    private AiRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        var catalog = Fixtures.Catalog(100);
        _request = Fixtures.Request();
        _router = Fixtures.Router(catalog, AuditTrail.Discarding(), new ReturningChatClient());
        _trail = new AuditTrail(new InMemoryAuditSinkBounded(), new AuditTrailOptions { ChainKey = AuditChainKey.CreateEphemeral() });
        _audited = Fixtures.Router(catalog, _trail, new ReturningChatClient());
    }

    [GlobalCleanup]
    public void Cleanup() => _trail.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Requests, Description = "All cores, no audit")]
    public Task AllCores() => Run(_router);

    [Benchmark(OperationsPerInvoke = Requests, Description = "All cores, audited")]
    public Task AllCoresAudited() => Run(_audited);

    private Task Run(ProviderRouter router)
    {
        var workers = Environment.ProcessorCount;
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Requests / workers; i++)
            {
                await router.SendAsync(_request);
            }
        })));
    }

    private sealed class InMemoryAuditSinkBounded : IAuditSink
    {
        private long _count;

        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => new(AuditChainHead.Empty);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
        {
            Interlocked.Add(ref _count, records.Count);
            return ValueTask.CompletedTask;
        }
    }
}
