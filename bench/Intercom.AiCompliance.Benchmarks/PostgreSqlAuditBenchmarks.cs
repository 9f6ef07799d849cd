using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.PostgreSql;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Sqlite;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>
/// What the PostgreSQL fleet store adds to a routed request, side by side with the in-memory sink and the SQLite store
/// (process-crash durable) in the same run: SendAsync with a returning in-process chat client (100-deployment
/// catalogue), its record sealed and stored, with 1 or 32 requests in flight. <c>PostgreSqlNoAnchors</c> is the same
/// sink without the cross-anchor each batch carries: the difference is what the fleet chain costs. The time shown is
/// for the whole invocation (all <see cref="InFlight"/> requests); divide by it per request.
/// </summary>
/// <remarks>
/// The server: the connection string in AICOMPLIANCE_BENCH_POSTGRES, or else a throwaway local cluster started with
/// scripts/postgres-test-server.sh (fsync on, loopback) for the process and stopped at its end. Each run writes to a
/// database of its own.
/// </remarks>
[MemoryDiagnoser]
public class PostgreSqlAuditBenchmarks
{
    private readonly ReturningChatClient _client = new();
    private AiRequest _request = null!;
    private ProviderRouter _router = null!;
    private AuditTrail _trail = null!;
    private PostgreSqlStore? _store;
    private string? _folder;
    private string? _serverDirectory;

    /// <summary>Where the records go.</summary>
    public enum SinkKind
    {
        InMemory,
        SqliteProcessCrash,
        PostgreSql,
        PostgreSqlNoAnchors,
    }

    [Params(SinkKind.InMemory, SinkKind.SqliteProcessCrash, SinkKind.PostgreSql, SinkKind.PostgreSqlNoAnchors)]
    public SinkKind Sink { get; set; }

    [Params(1, 32)]
    public int InFlight { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var catalog = Fixtures.Catalog(100);
        _request = Fixtures.Request();
        var key = AuditChainKey.CreateEphemeral();
        IAuditSink sink;
        switch (Sink)
        {
            case SinkKind.InMemory:
                sink = new InMemoryAuditSink();
                break;
            case SinkKind.SqliteProcessCrash:
                _folder = Path.Combine(Path.GetTempPath(), $"aicompliance-bench-{Guid.NewGuid():N}");
                sink = SqliteAuditSink.Open(Path.Combine(_folder, "audit.db"), SqliteDurability.ProcessCrash);
                break;
            default:
                _store = PostgreSqlStore.Open(Database(), "bench");
                sink = new PostgreSqlAuditSink(_store, key, null, anchor: Sink == SinkKind.PostgreSql);
                break;
        }

        _trail = new AuditTrail(sink, new AuditTrailOptions { ChainKey = key });
        _router = Fixtures.Router(catalog, _trail, _client, new ProviderRouterOptions());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trail.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _store?.Dispose();
        if (_folder is not null && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        if (_serverDirectory is not null)
        {
            Script("stop", _serverDirectory);
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

    /// <summary>A fresh database on the configured server, or on a throwaway one started for this process.</summary>
    private string Database()
    {
        var server = Environment.GetEnvironmentVariable("AICOMPLIANCE_BENCH_POSTGRES");
        if (string.IsNullOrEmpty(server))
        {
            var lines = Script("start").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            _serverDirectory = lines.First(l => l.StartsWith("PGTEST_DIR=", StringComparison.Ordinal))["PGTEST_DIR=".Length..];
            server = lines.Last(l => l.StartsWith("Host=", StringComparison.Ordinal));
        }

        var name = "bench_" + Guid.NewGuid().ToString("N");
        using (var connection = new Npgsql.NpgsqlConnection(server))
        {
            connection.Open();
            using var cmd = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name};", connection);
            cmd.ExecuteNonQuery();
        }

        return new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private static string Script(params string[] args)
    {
        string? root = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && root is null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "postgres-test-server.sh")))
            {
                root = dir.FullName;
            }
        }

        if (root is null)
        {
            throw new InvalidOperationException("scripts/postgres-test-server.sh was not found: set AICOMPLIANCE_BENCH_POSTGRES to a server's connection string.");
        }

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(root, "scripts", "postgres-test-server.sh"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? stdout
            : throw new InvalidOperationException($"postgres-test-server.sh {args[0]} failed: {stderr.GetAwaiter().GetResult()}");
    }
}
