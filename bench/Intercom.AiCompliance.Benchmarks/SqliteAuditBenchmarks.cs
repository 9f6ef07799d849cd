using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Sqlite;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>
/// What the SQLite audit store adds to a routed request, against the in-memory sink in the same run: SendAsync with a
/// returning in-process chat client (100-deployment catalogue), its record sealed and stored, with 1 or 32 requests in
/// flight. The time shown is for the whole invocation (all <see cref="InFlight"/> requests); divide by it per request.
/// The database is a fresh file in the temp folder.
/// </summary>
[MemoryDiagnoser]
public class SqliteAuditBenchmarks
{
    private readonly ReturningChatClient _client = new();
    private AiRequest _request = null!;
    private ProviderRouter _router = null!;
    private AuditTrail _trail = null!;
    private string? _folder;

    /// <summary>Where the records go.</summary>
    public enum SinkKind
    {
        InMemory,
        SqliteProcessCrash,
        SqlitePowerLoss,
    }

    [Params(SinkKind.InMemory, SinkKind.SqliteProcessCrash, SinkKind.SqlitePowerLoss)]
    public SinkKind Sink { get; set; }

    [Params(1, 32)]
    public int InFlight { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var catalog = Fixtures.Catalog(100);
        _request = Fixtures.Request();
        IAuditSink sink;
        if (Sink == SinkKind.InMemory)
        {
            sink = new InMemoryAuditSink(int.MaxValue);
        }
        else
        {
            _folder = Path.Combine(Path.GetTempPath(), $"aicompliance-bench-{Guid.NewGuid():N}");
            sink = SqliteAuditSink.Open(Path.Combine(_folder, "audit.db"),
                Sink == SinkKind.SqlitePowerLoss ? SqliteDurability.PowerLoss : SqliteDurability.ProcessCrash);
        }

        _trail = new AuditTrail(sink, new AuditTrailOptions { ChainKey = AuditChainKey.CreateEphemeral() });
        _router = Fixtures.Router(catalog, _trail, _client, new ProviderRouterOptions());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trail.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_folder is not null && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Benchmark(Description = "SendAsync, audited")]
    public Task SendAsync()
    {
        if (InFlight == 1)
        {
            return _router.SendAsync(_request);
        }

        var tasks = new Task[InFlight];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = Task.Run(() => _router.SendAsync(_request));
        }

        return Task.WhenAll(tasks);
    }
}
