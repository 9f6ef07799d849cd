using System.Text;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Sqlite.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite.Tests;

/// <summary>Export and prune on a real database file: the export verifies alone, the rest verifies from a signed checkpoint.</summary>
[CancelAfter(60_000)]
public class SqliteAuditRetentionTests
{
    // Record i is stamped i seconds after 12:00:00; the clock stands at 12:01:40, so "older than 90 s" is records 1..9.
    private static readonly TimeSpan NinetySeconds = TimeSpan.FromSeconds(90);
    private TempFolder _temp = null!;
    private FakeTimeProvider _clock = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 1, 40, TimeSpan.Zero));
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private string Db => _temp.File("store.db");

    private static AuditRecord Intent(int i) => AuditRecords.Make(i) with
    {
        Outcome = AuditOutcome.Intent,
        Destinations = [new AuditDestination { DeploymentId = "a", Provider = "AzureOpenAI", Regions = "EU" }],
    };

    private static async Task AppendAsync(SqliteStore store, IEnumerable<AuditRecord> records, CancellationToken ct)
    {
        await using var trail = new AuditTrail(new SqliteAuditSink(store), AuditKeys.Options());
        foreach (var r in records)
        {
            await trail.AppendAsync(r, ct);
        }
    }

    private SqliteAuditRetention Retention(SqliteStore store) => new(store, AuditKeys.Chain, timeProvider: _clock);

    private void Tamper(string sql, params (string Name, object Value)[] parameters)
    {
        using var c = new SqliteConnection(SqliteStore.ConnectionString(Db, SqliteOpenMode.ReadWrite));
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DROP TRIGGER IF EXISTS audit_records_append_only_update; DROP TRIGGER IF EXISTS audit_records_append_only_delete; " + sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        cmd.ExecuteNonQuery();
    }

    private string Row(long sequence)
    {
        using var c = new SqliteConnection(SqliteStore.ConnectionString(Db, SqliteOpenMode.ReadOnly));
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT line FROM audit_records WHERE sequence = $s;";
        cmd.Parameters.AddWithValue("$s", sequence);
        return Encoding.UTF8.GetString((byte[])cmd.ExecuteScalar()!);
    }

    [Test]
    public async Task ExportAndPruneAsync_OldRecords_ExportVerifiesAloneAndWhatRemainsVerifiesFromTheCheckpoint(CancellationToken ct)
    {
        using var store = SqliteStore.Open(Db);
        await AppendAsync(store, Enumerable.Range(1, 20).Select(AuditRecords.Make), ct);
        var export = _temp.File("2026-06.jsonl");

        var result = await Retention(store).ExportAndPruneAsync(NinetySeconds, export, ct);

        result.Should().Be(new AuditRetentionResult(9, export, 9, true));
        AuditChainVerifier.VerifyFile(export, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 9, null, null), "the export verifies on its own");
        var remaining = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
        remaining.Should().Be(new AuditVerificationResult(true, 11, null, null) { CheckpointSequence = 9 });
        Row(9).Should().StartWith("{\"checkpoint\":true,\"sequence\":9,", "the checkpoint takes the place of the last pruned record");

        // The chain goes on after a prune, and a second prune's export starts with the first checkpoint.
        await AppendAsync(store, [AuditRecords.Make(21)], ct);
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Match<AuditVerificationResult>(r => r.IsValid && r.RecordCount == 12);
        _clock.Advance(TimeSpan.FromSeconds(5));
        var second = await Retention(store).ExportAndPruneAsync(NinetySeconds, _temp.File("second.jsonl"), ct);
        second.Should().Be(new AuditRetentionResult(5, _temp.File("second.jsonl"), 14, true));
        AuditChainVerifier.VerifyFile(_temp.File("second.jsonl"), AuditKeys.Chain)
            .Should().Be(new AuditVerificationResult(true, 5, null, null) { CheckpointSequence = 9 });
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 7, null, null) { CheckpointSequence = 14 });
    }

    [Test]
    public async Task ExportAsync_OldRecords_ExportsWithoutRemovingAnything(CancellationToken ct)
    {
        using var store = SqliteStore.Open(Db);
        await AppendAsync(store, Enumerable.Range(1, 12).Select(AuditRecords.Make), ct);

        var result = await Retention(store).ExportAsync(NinetySeconds, _temp.File("copy.jsonl"), ct);

        result.Should().Be(new AuditRetentionResult(9, _temp.File("copy.jsonl"), 9, false));
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 12, null, null));
        await FluentActions.Awaiting(() => Retention(store).ExportAsync(NinetySeconds, _temp.File("copy.jsonl"), ct))
            .Should().ThrowAsync<IOException>("an export never overwrites a file");
    }

    [Test]
    public async Task ExportAndPruneAsync_NewestRecordIsOld_KeepsItSoTheChainContinues(CancellationToken ct)
    {
        using var store = SqliteStore.Open(Db);
        await AppendAsync(store, Enumerable.Range(1, 3).Select(AuditRecords.Make), ct);

        var result = await Retention(store).ExportAndPruneAsync(NinetySeconds, _temp.File("x.jsonl"), ct);

        result.Should().Be(new AuditRetentionResult(2, _temp.File("x.jsonl"), 2, true));
        await AppendAsync(store, [AuditRecords.Make(4)], ct);
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 2, null, null) { CheckpointSequence = 2 });
    }

    [Test]
    public async Task ExportAndPruneAsync_IntentWhoseOutcomeIsNewer_StaysWithItsOutcome(CancellationToken ct)
    {
        using var store = SqliteStore.Open(Db);

        // Request 5's intent is old, its outcome (stamped 95 s) is not; request 3 crashed: its intent never got an outcome.
        await AppendAsync(store,
        [
            AuditRecords.Make(1), Intent(3), Intent(5), AuditRecords.Make(6), AuditRecords.Make(7),
            AuditRecords.Make(5) with { Timestamp = AuditRecords.Make(95).Timestamp }, AuditRecords.Make(96),
        ], ct);

        var result = await Retention(store).ExportAndPruneAsync(NinetySeconds, _temp.File("x.jsonl"), ct);

        result.ThroughSequence.Should().Be(2, "the cut stops before request 5's intent, whose outcome is newer");
        var exported = AuditChainVerifier.VerifyFile(_temp.File("x.jsonl"), AuditKeys.Chain);
        exported.IsValid.Should().BeTrue();
        exported.IntentsWithoutOutcome.Select(i => i.EventId).Should().Equal(["e3"], "the crashed request's intent is exported, and reported");
        var remaining = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
        remaining.Should().Match<AuditVerificationResult>(r => r.IsValid && r.RecordCount == 5 && r.IntentsWithoutOutcome.Count == 0);
    }

    [Test]
    public async Task ExportAndPruneAsync_NothingOldEnough_WritesNoFileAndRemovesNothing(CancellationToken ct)
    {
        using var store = SqliteStore.Open(Db);
        await AppendAsync(store, Enumerable.Range(50, 5).Select(AuditRecords.Make), ct);

        var result = await Retention(store).ExportAndPruneAsync(NinetySeconds, _temp.File("x.jsonl"), ct);

        result.Should().Be(new AuditRetentionResult(0, null, 0, false));
        File.Exists(_temp.File("x.jsonl")).Should().BeFalse();
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).RecordCount.Should().Be(5);
    }

    [Test]
    public async Task Verify_CheckpointEdited_IsDetected(CancellationToken ct)
    {
        using (var store = SqliteStore.Open(Db))
        {
            await AppendAsync(store, Enumerable.Range(1, 12).Select(AuditRecords.Make), ct);
            await Retention(store).ExportAndPruneAsync(NinetySeconds, _temp.File("x.jsonl"), ct);
        }

        // Claim fewer records were pruned: the checkpoint's bytes no longer match its MAC.
        var edited = Row(9).Replace("\"sequence\":9,", "\"sequence\":8,", StringComparison.Ordinal);
        Tamper("UPDATE audit_records SET line = $l WHERE sequence = 9;", ("$l", Encoding.UTF8.GetBytes(edited)));

        var result = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
        result.Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 1);
        result.Problem.Should().Contain("checkpoint was edited or forged");
    }

    [Test]
    public async Task Verify_CheckpointForgedWithAnotherKey_IsDetected(CancellationToken ct)
    {
        using (var store = SqliteStore.Open(Db))
        {
            await AppendAsync(store, Enumerable.Range(1, 12).Select(AuditRecords.Make), ct);
            await Retention(store).ExportAndPruneAsync(NinetySeconds, _temp.File("x.jsonl"), ct);
        }

        // Someone without the key deletes records 10 and 11 too and writes their own checkpoint claiming 11 was the head.
        var head11 = AuditChain.FromJson(Row(11));
        var forged = AuditChain.SealCheckpoint(new AuditCheckpoint { Sequence = 11, HeadMac = head11.Mac, PrunedBefore = _clock.GetUtcNow(), CreatedAt = _clock.GetUtcNow() }, AuditKeys.Other);
        Tamper("DELETE FROM audit_records WHERE sequence <= 11; INSERT INTO audit_records (sequence, line) VALUES (11, $l);", ("$l", Encoding.UTF8.GetBytes(forged)));

        var result = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
        result.Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 1);
        result.Problem.Should().Contain(AuditKeys.Other.Id).And.Contain("not among the keys given");
    }

    [Test]
    public async Task Verify_CheckpointDeleted_IsDetectedAsRemovedRecords(CancellationToken ct)
    {
        using (var store = SqliteStore.Open(Db))
        {
            await AppendAsync(store, Enumerable.Range(1, 12).Select(AuditRecords.Make), ct);
            await Retention(store).ExportAndPruneAsync(NinetySeconds, _temp.File("x.jsonl"), ct);
        }

        Tamper("DELETE FROM audit_records WHERE sequence = 9;");

        var result = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
        result.Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 1);
        result.Problem.Should().Contain("record(s) 1..9 were removed");
    }

    [Test]
    public async Task Verify_CheckpointMovedAfterTheStart_IsDetected(CancellationToken ct)
    {
        using (var store = SqliteStore.Open(Db))
        {
            await AppendAsync(store, Enumerable.Range(1, 12).Select(AuditRecords.Make), ct);
            await Retention(store).ExportAndPruneAsync(NinetySeconds, _temp.File("x.jsonl"), ct);
        }

        // A genuine checkpoint replayed later in the chain (to hide the records after it) does not verify there.
        var checkpoint = Row(9);
        Tamper("DELETE FROM audit_records WHERE sequence = 11; INSERT INTO audit_records (sequence, line) VALUES (11, $l);", ("$l", Encoding.UTF8.GetBytes(checkpoint)));

        var result = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
        result.Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 3);
        result.Problem.Should().Contain("checkpoint");
    }
}
