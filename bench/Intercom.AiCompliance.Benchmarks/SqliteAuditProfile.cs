using System.Diagnostics;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Sqlite;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>
/// Where the SQLite audit store's time goes, at one request in flight: percentiles of each part timed on its own, and of
/// a routed request with each sink, side by side in one process. Run with <c>--profile-sqlite-audit [iterations]</c>.
/// Not a BenchmarkDotNet class: it reports p50/p90/p99 of single calls, which is what the issue's target is about.
/// </summary>
public static class SqliteAuditProfile
{
    public static int Run(string[] args)
    {
        var at = Array.IndexOf(args, "--profile-sqlite-audit");
        var iterations = at + 1 < args.Length && int.TryParse(args[at + 1], out var n) ? n : 20_000;
        var folder = Path.Combine(Path.GetTempPath(), $"aicompliance-profile-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            Console.WriteLine($"{iterations} iterations each, one in flight; microseconds (p50 / p90 / p99)");
            var record = new AuditRecord
            {
                EventId = "0123456789abcdef000000000001",
                Timestamp = DateTimeOffset.UtcNow,
                WorkspaceId = "ws",
                Product = "FinAiAgent",
                Purpose = "AnsweringEndUser",
                Capability = "Chat",
                Required = new AuditPromises { Region = "US", ZeroDataRetention = "required", NoTraining = "required", BusinessAssociateAgreement = "not-required" },
                Outcome = AuditOutcome.Intent,
                Destinations = [new AuditDestination { DeploymentId = "d00001", Provider = "AzureOpenAI", Regions = "US" }],
            };
            var key = AuditChainKey.CreateEphemeral();

            Report("serialise and seal one intent (AuditChain.ToJson of a linked record)", iterations, () =>
            {
                _ = AuditChain.ToJson(record with { Sequence = 1, KeyId = key.Id, Mac = new string('a', 64) });
                return Task.CompletedTask;
            });

            foreach (var durability in new[] { SqliteDurability.ProcessCrash, SqliteDurability.PowerLoss })
            {
                using var store = SqliteStore.Open(Path.Combine(folder, $"parts-{durability}.db"), durability);
                Report($"store hop only: RunAsync with no statement ({durability})", iterations, () => store.RunAsync(_ => 0, CancellationToken.None));
                var line = System.Text.Encoding.UTF8.GetBytes(AuditChain.ToJson(record));
                var sequence = 0L;
                using var insert = Prepare(store);
                Report($"one INSERT = one commit on the caller's thread, no hop ({durability})", durability == SqliteDurability.PowerLoss ? Math.Min(iterations, 2_000) : iterations, () =>
                {
                    insert.Parameters[0].Value = ++sequence;
                    insert.Parameters[1].Value = line;
                    insert.ExecuteNonQuery();
                    return Task.CompletedTask;
                });
            }

            foreach (var (name, sink) in new (string, Func<IAuditSink>)[]
            {
                ("in memory (tests only)", () => new InMemoryAuditSink(int.MaxValue)),
                ("SQLite ProcessCrash", () => SqliteAuditSink.Open(Path.Combine(folder, "trail-pc.db"), SqliteDurability.ProcessCrash)),
                ("SQLite PowerLoss", () => SqliteAuditSink.Open(Path.Combine(folder, "trail-pl.db"), SqliteDurability.PowerLoss)),
            })
            {
                var count = name.EndsWith("PowerLoss", StringComparison.Ordinal) ? Math.Min(iterations, 2_000) : iterations;
                using var trail = new AuditTrail(sink(), new AuditTrailOptions { ChainKey = key });
                var i = 0;
                Report($"AuditTrail.AppendAsync of one intent, {name}", count, async () => await trail.AppendAsync(record with { EventId = $"e{i++}" }));
            }

            var catalog = Fixtures.Catalog(100);
            var request = Fixtures.Request();
            var client = new ReturningChatClient();
            var p50 = new Dictionary<string, double>();
            foreach (var (name, sink) in new (string, Func<IAuditSink>)[]
            {
                ("in memory (tests only)", () => new InMemoryAuditSink(int.MaxValue)),
                ("SQLite ProcessCrash", () => SqliteAuditSink.Open(Path.Combine(folder, "route-pc.db"), SqliteDurability.ProcessCrash)),
                ("SQLite PowerLoss", () => SqliteAuditSink.Open(Path.Combine(folder, "route-pl.db"), SqliteDurability.PowerLoss)),
            })
            {
                var count = name.EndsWith("PowerLoss", StringComparison.Ordinal) ? Math.Min(iterations, 2_000) : iterations;
                using var trail = new AuditTrail(sink(), new AuditTrailOptions { ChainKey = key });
                var router = Fixtures.Router(catalog, trail, client, new ProviderRouterOptions());
                p50[name] = Report($"SendAsync, routed and audited (intent + outcome), {name}", count, () => router.SendAsync(request));
            }

            Console.WriteLine($"added at p50 per routed request vs in memory: ProcessCrash {p50["SQLite ProcessCrash"] - p50["in memory (tests only)"]:F1} us, " +
                $"PowerLoss {p50["SQLite PowerLoss"] - p50["in memory (tests only)"]:F1} us");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static SqliteCommand Prepare(SqliteStore store)
    {
        var connection = new SqliteConnection(SqliteStore.ConnectionString(store.Path + ".parts.db", SqliteOpenMode.ReadWriteCreate));
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(store.Durability == SqliteDurability.PowerLoss ? "FULL" : "NORMAL")}; " +
                "CREATE TABLE audit_records (sequence INTEGER PRIMARY KEY NOT NULL, line BLOB NOT NULL);";
            setup.ExecuteNonQuery();
        }

        var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO audit_records (sequence, line) VALUES ($s, $l);";
        insert.Parameters.Add("$s", SqliteType.Integer);
        insert.Parameters.Add("$l", SqliteType.Blob);
        insert.Prepare();
        return insert;
    }

    private static double Report(string what, int iterations, Func<Task> action)
    {
        for (var i = 0; i < Math.Min(iterations / 10, 2_000); i++)
        {
            action().GetAwaiter().GetResult();
        }

        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action().GetAwaiter().GetResult();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(samples);
        double P(double q) => samples[(int)(q * (samples.Length - 1))];
        Console.WriteLine($"  {P(0.5),8:F1} / {P(0.9),8:F1} / {P(0.99),8:F1}  {what}");
        return P(0.5);
    }
}
