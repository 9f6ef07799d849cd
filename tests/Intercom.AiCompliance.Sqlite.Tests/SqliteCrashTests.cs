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
        var intended = new HashSet<string>(StringComparer.Ordinal);
        var stored = 0;
        var openReported = 0;
        for (var run = 1; run <= 20; run++)
        {
            using var child = ChildProcess.Start("write", Db, $"r{run}", "32");
            var started = await child.WaitForLineAsync(l => l.StartsWith("started ", StringComparison.Ordinal), ct);
            started.Should().Be($"started {stored + 1}", "a restarted writer continues the chain after the last stored record (run {0})", run);

            // A random moment under load: SIGKILL, so nothing is flushed, closed or checkpointed.
            await Task.Delay(random.Next(0, 250), ct);
            await child.KillAsync(ct);

            // A line cut by the kill can only shorten a worker's counter to one it acknowledged earlier; anything else is skipped.
            foreach (var line in child.Lines)
            {
                if (AckLine().IsMatch(line))
                {
                    acknowledged.Add(line["ack ".Length..]);
                }
                else if (IntentLine().IsMatch(line))
                {
                    intended.Add(line["intent ".Length..]);
                }
            }

            var result = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
            result.IsValid.Should().BeTrue("run {0}: {1}", run, result.Problem);
            var records = StoredRecords(Db);
            records.Select(r => (r.EventId, r.Outcome)).Should().OnlyHaveUniqueItems("no record is stored twice");
            var outcomes = records.Where(r => r.Outcome != AuditOutcome.Intent).Select(r => r.EventId).ToHashSet(StringComparer.Ordinal);
            var intents = records.Where(r => r.Outcome == AuditOutcome.Intent).Select(r => r.EventId).ToHashSet(StringComparer.Ordinal);
            acknowledged.Except(outcomes).Should().BeEmpty("every outcome acknowledged to its caller is stored (run {0})", run);
            intended.Except(intents).Should().BeEmpty("every intent acknowledged before its call is stored (run {0})", run);
            outcomes.Where(id => id.Contains("-w", StringComparison.Ordinal)).Except(intents).Should().BeEmpty("an outcome follows its intent");

            // A kill between an intent and its outcome is reported as such, never as nothing; and only those are.
            result.IntentsWithoutOutcome.Select(i => i.EventId).Should().BeEquivalentTo(intents.Except(outcomes),
                "the verifier reports exactly the intents whose outcome the kill prevented (run {0})", run);
            openReported = result.IntentsWithoutOutcome.Count;
            stored = records.Count;
        }

        TestContext.Out.WriteLine($"{stored} records stored, {acknowledged.Count} outcomes acknowledged, {openReported} intents without outcome after 20 kills");
        acknowledged.Count.Should().BeGreaterThan(20, "the writers were under load when killed");
        openReported.Should().BeGreaterThan(0, "32 callers killed at random moments leave some between intent and outcome");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Router_KilledWhileTheClientHoldsTheInput_IntentWithoutOutcomeIsReportedAndTheNextStartContinues(CancellationToken ct)
    {
        using (var child = ChildProcess.Start("route", Db))
        {
            await child.WaitForLineAsync(l => l == "called", ct);
            await child.KillAsync(ct);
        }

        var records = StoredRecords(Db);
        var intent = records.Should().ContainSingle("only the intent was stored before the Input reached the client").Subject;
        intent.Outcome.Should().Be(AuditOutcome.Intent);
        intent.Destinations!.Should().ContainSingle().Which.Should().Be(new AuditDestination { DeploymentId = "eu-chat", Provider = "AzureOpenAI", Regions = "EU" });

        var result = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
        result.IsValid.Should().BeTrue();
        result.IntentsWithoutOutcome.Should().Equal(new AuditOpenIntent(intent.EventId, 1, 1));
        result.ToString().Should().Contain("Intent without outcome").And.Contain(intent.EventId);

        // The next start continues the chain after the intent, which stays reported.
        await using (var trail = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options()))
        {
            (await trail.AppendAsync(AuditRecords.Make(1), ct)).Sequence.Should().Be(2);
        }

        var after = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
        after.Should().Match<AuditVerificationResult>(r => r.IsValid && r.RecordCount == 2);
        after.IntentsWithoutOutcome.Select(i => i.EventId).Should().Equal(intent.EventId);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^intent r\d+-w\d+-\d+$")]
    private static partial System.Text.RegularExpressions.Regex IntentLine();

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
