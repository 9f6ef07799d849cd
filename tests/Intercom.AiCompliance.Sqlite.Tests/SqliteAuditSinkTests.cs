using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Sqlite.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite.Tests;

public class SqliteAuditSinkTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private string Db => _temp.File("store.db");

    private static async Task<List<AuditRecord>> AppendAsync(AuditTrail trail, int from, int count, CancellationToken ct)
    {
        var stored = new List<AuditRecord>();
        for (var i = from; i < from + count; i++)
        {
            stored.Add(await trail.AppendAsync(AuditRecords.Make(i), ct));
        }

        return stored;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AppendAsync_KeyRotationRolledBack_RefusedNamingTheChainKey(CancellationToken ct)
    {
        await using (var first = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options()))
        {
            await AppendAsync(first, 1, 2, ct);
        }

        var rotated = new AuditTrailOptions { ChainKey = AuditKeys.Other };
        rotated.RetiredChainKeys.Add(AuditKeys.Chain);
        await using (var second = new AuditTrail(SqliteAuditSink.Open(Db), rotated))
        {
            await AppendAsync(second, 3, 1, ct);
        }

        var rolledBack = AuditKeys.Options();
        rolledBack.RetiredChainKeys.Add(AuditKeys.Other);
        await using (var third = new AuditTrail(SqliteAuditSink.Open(Db), rolledBack))
        {
            var error = (await FluentActions.Awaiting(() => third.AppendAsync(AuditRecords.Make(4), ct).AsTask()).Should().ThrowAsync<AuditWriteException>()).Which;
            error.Failure.Should().Be(AuditWriteFailure.ChainHeadInvalid);
            error.Message.Should().Contain("AiCompliance:Audit:ChainKey").And.Contain(AuditKeys.Chain.Id).And.Contain("rolled back");
        }

        SqliteAuditVerifier.Verify(Db, [AuditKeys.Chain, AuditKeys.Other]).Should().Be(new AuditVerificationResult(true, 3, null, null), "nothing was appended");
    }

    /// <summary>Runs SQL on the database file as someone with write access to it would, outside the store.</summary>
    private void Tamper(string sql)
    {
        using var c = new SqliteConnection(SqliteStore.ConnectionString(Db, SqliteOpenMode.ReadWrite));
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DROP TRIGGER IF EXISTS audit_records_append_only_update; DROP TRIGGER IF EXISTS audit_records_append_only_delete; " + sql;
        cmd.ExecuteNonQuery();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task WriteAsync_ChainOfRecords_StoredBytesVerifyUnderTheChainKey(CancellationToken ct)
    {
        List<AuditRecord> stored;
        await using (var trail = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options()))
        {
            stored = await AppendAsync(trail, 1, 25, ct);
        }

        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 25, null, null));
        SqliteAuditVerifier.Verify(Db, AuditKeys.Other).IsValid.Should().BeFalse("a chain must only verify under the key that sealed it");

        // Each row holds exactly the record's stored line: the bytes its MAC covers.
        using var c = new SqliteConnection(SqliteStore.ConnectionString(Db, SqliteOpenMode.ReadOnly));
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT sequence, line FROM audit_records ORDER BY sequence;";
        using var reader = cmd.ExecuteReader();
        var rows = new List<(long, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), System.Text.Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(1))));
        }

        rows.Should().Equal(stored.Select(r => (r.Sequence, AuditChain.ToJson(r))));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ReadHeadAsync_AfterRestart_TrailContinuesTheSameChain(CancellationToken ct)
    {
        await using (var trail = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options()))
        {
            await AppendAsync(trail, 1, 3, ct);
        }

        AuditRecord next;
        await using (var trail = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options()))
        {
            next = await trail.AppendAsync(AuditRecords.Make(4), ct);
        }

        next.Sequence.Should().Be(4);
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 4, null, null));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ReadHeadAsync_EmptyDatabase_ReturnsTheEmptyHead(CancellationToken ct)
    {
        await using var sink = SqliteAuditSink.Open(Db);
        (await sink.ReadHeadAsync(ct)).Should().Be(AuditChainHead.Empty);
    }

    [TestCase("UPDATE audit_records SET line = CAST(replace(CAST(line AS TEXT), '\"ws-1\"', '\"ws-2\"') AS BLOB) WHERE sequence = 3;", 3, TestName = "Verify_RowEdited_BrokenAtThatRow")]
    [TestCase("UPDATE audit_records SET line = CAST(replace(CAST(line AS TEXT), '\"sequence\":3,', '\"sequence\":3 ,') AS BLOB) WHERE sequence = 3;", 3, TestName = "Verify_RowReformattedKeepingItsMeaning_BrokenAtThatRow")]
    [TestCase("DELETE FROM audit_records WHERE sequence = 3;", 3, TestName = "Verify_RowDeletedInTheMiddle_BrokenWhereTheGapIs")]
    [TestCase("UPDATE audit_records SET sequence = 100 WHERE sequence = 2; UPDATE audit_records SET sequence = 2 WHERE sequence = 3; UPDATE audit_records SET sequence = 3 WHERE sequence = 100;", 2, TestName = "Verify_RowsSwapped_BrokenAtTheFirstSwappedRow")]
    public async Task Verify_TamperedRow_IsDetected(string sql, int brokenAt)
    {
        await using (var trail = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options()))
        {
            await AppendAsync(trail, 1, 5, CancellationToken.None);
        }

        Tamper(sql);

        var result = SqliteAuditVerifier.Verify(Db, AuditKeys.Chain);
        result.IsValid.Should().BeFalse();
        result.BrokenAtLine.Should().Be(brokenAt);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task AppendAsync_LastRowEdited_TrailRefusesToBuildOnIt(CancellationToken ct)
    {
        await using (var trail = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options()))
        {
            await AppendAsync(trail, 1, 2, ct);
        }

        Tamper("UPDATE audit_records SET line = CAST(replace(CAST(line AS TEXT), '\"ws-1\"', '\"ws-9\"') AS BLOB) WHERE sequence = 2;");

        await using var reopened = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options());
        var ex = (await FluentActions.Awaiting(() => reopened.AppendAsync(AuditRecords.Make(3), ct).AsTask())
            .Should().ThrowAsync<AuditWriteException>()).Which;
        ex.Failure.Should().Be(AuditWriteFailure.ChainHeadInvalid);
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).RecordCount.Should().Be(1, "nothing was appended after the edited record");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task WriteAsync_BatchThatDoesNotContinueTheHead_IsRefusedAndNothingStored(CancellationToken ct)
    {
        await using (var trail = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options()))
        {
            await AppendAsync(trail, 1, 2, ct);
        }

        // A second chain sealed elsewhere from sequence 1: storing it after ours would fork the chain.
        var foreign = new List<AuditRecord>();
        var other = new ForkSink();
        await using (var trail = new AuditTrail(other, AuditKeys.Options()))
        {
            foreign.Add(await trail.AppendAsync(AuditRecords.Make(9), ct));
        }

        await using var sink = SqliteAuditSink.Open(Db);
        await FluentActions.Awaiting(() => sink.WriteAsync(foreign, ct).AsTask()).Should().ThrowAsync<InvalidOperationException>();
        await FluentActions.Awaiting(() => sink.WriteAsync([other.Stored[0] with { Sequence = 3 }], ct).AsTask())
            .Should().ThrowAsync<InvalidOperationException>("its previous MAC is not the stored head's");
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 2, null, null));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task WriteAsync_BatchFailingHalfway_StoresNoneOfItAndTheNextWriteContinues(CancellationToken ct)
    {
        var sealedElsewhere = new ForkSink();
        await using (var trail = new AuditTrail(sealedElsewhere, AuditKeys.Options()))
        {
            for (var i = 1; i <= 4; i++)
            {
                await trail.AppendAsync(AuditRecords.Make(i), ct);
            }
        }

        var r = sealedElsewhere.Stored;
        await using var sink = SqliteAuditSink.Open(Db);
        await sink.ReadHeadAsync(ct);
        await sink.WriteAsync([r[0]], ct);

        // Someone slips record 3 in behind the sink's back: the batch [2, 3] fails on its second insert.
        Tamper($"INSERT INTO audit_records (sequence, line) VALUES (3, CAST('{AuditChain.ToJson(r[2]).Replace("'", "''", StringComparison.Ordinal)}' AS BLOB));");
        await FluentActions.Awaiting(() => sink.WriteAsync([r[1], r[2]], ct).AsTask()).Should().ThrowAsync<SqliteException>();

        StoredSequences().Should().Be("1,3", "record 2 was rolled back with its batch");

        // The failed batch left no transaction open: the sink reads its head again, and its next write is committed.
        (await sink.ReadHeadAsync(ct)).Sequence.Should().Be(3);
        await sink.WriteAsync([r[3]], ct);
        StoredSequences().Should().Be("1,3,4");
    }

    private string? StoredSequences()
    {
        using var c = new SqliteConnection(SqliteStore.ConnectionString(Db, SqliteOpenMode.ReadOnly));
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT group_concat(sequence) FROM (SELECT sequence FROM audit_records ORDER BY sequence);";
        return (string?)cmd.ExecuteScalar();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AppendAsync_ConcurrentRequests_EveryRecordStoredOnceInOneVerifiableChain(CancellationToken ct)
    {
        await using (var trail = new AuditTrail(SqliteAuditSink.Open(Db), AuditKeys.Options()))
        {
            var all = await Task.WhenAll(Enumerable.Range(1, 200).Select(i => Task.Run(() => trail.AppendAsync(AuditRecords.Make(i), ct).AsTask(), ct)));
            all.Select(r => r.EventId).Should().OnlyHaveUniqueItems().And.HaveCount(200);
        }

        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 200, null, null));
    }

    private sealed class ForkSink : IAuditSink
    {
        public List<AuditRecord> Stored { get; } = [];

        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => new(AuditChainHead.Empty);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
        {
            Stored.AddRange(records);
            return ValueTask.CompletedTask;
        }
    }
}
