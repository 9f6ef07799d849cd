using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Sqlite.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite.Tests;

/// <summary>Real processes on a real database file: a writer killed with SIGKILL, and a second writer process.</summary>
public partial class SqliteCrashTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private string Db => _temp.File("store.db");

    private static List<AuditRecord> StoredRecords(string db)
    {
        using var c = new SqliteConnection(SqliteStore.ConnectionString(db, SqliteOpenMode.ReadOnly));
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT line FROM audit_records ORDER BY sequence;";
        using var reader = cmd.ExecuteReader();
        var records = new List<AuditRecord>();
        while (reader.Read())
        {
            records.Add(AuditChain.FromJson(System.Text.Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(0))));
        }

        return records;
    }

    [Test]
    [CancelAfter(115_000)]
    public async Task Writer_KilledTwentyTimesUnder32ConcurrentRequests_ChainVerifiesEveryAcknowledgedRecordStoredAndNextStartContinues(CancellationToken ct)
    {
        var seed = Environment.TickCount;
        TestContext.Out.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var stored = 0;
        for (var run = 1; run <= 20; run++)
        {
            using var child = ChildProcess.Start("write", Db, $"r{run}", "32");
            var started = await child.WaitForLineAsync(l => l.StartsWith("started ", StringComparison.Ordinal), ct);
            started.Should().Be($"started {stored + 1}", "a restarted writer continues the chain after the last stored record (run {0})", run);

            // A random moment under load: SIGKILL, so nothing is flushed, closed or checkpointed.
            await Task.Delay(random.Next(0, 250), ct);
            await child.KillAsync(ct);

            // A line cut by the kill can only shorten a worker's counter to one it acknowledged earlier; anything else is skipped.
            foreach (var line in child.Lines.Where(l => AckLine().IsMatch(l)))
            {
                acknowledged.Add(line["ack ".Length..]);
            }

            var result = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
            result.IsValid.Should().BeTrue("run {0}: {1}", run, result.Problem);
            var records = StoredRecords(Db);
            var ids = records.Select(r => r.EventId).ToHashSet(StringComparer.Ordinal);
            ids.Should().HaveCount(records.Count, "no record is stored twice");
            acknowledged.Except(ids).Should().BeEmpty("every request acknowledged to its caller has its record (run {0})", run);
            stored = records.Count;
        }

        TestContext.Out.WriteLine($"{stored} records stored, {acknowledged.Count} acknowledged, over 20 kills");
        acknowledged.Count.Should().BeGreaterThan(20, "the writers were under load when killed");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^ack r\d+-w\d+-\d+$")]
    private static partial System.Text.RegularExpressions.Regex AckLine();

    [Test]
    [CancelAfter(60_000)]
    public async Task Open_SecondWriterProcess_FailsClearlyWhileTheFirstHoldsTheDatabase(CancellationToken ct)
    {
        using (SqliteStore.Open(Db))
        {
            using var second = ChildProcess.Start("open", Db);
            var (code, stderr) = await second.WaitForExitAsync(ct);
            code.Should().Be(3);
            stderr.Should().Contain(Db).And.Contain("already being written by another store");
        }

        using var after = ChildProcess.Start("open", Db);
        (await after.WaitForExitAsync(ct)).ExitCode.Should().Be(0, "the lock is released with the first writer");
    }
}
