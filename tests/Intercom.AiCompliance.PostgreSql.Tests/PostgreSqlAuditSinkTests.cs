using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.PostgreSql.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Npgsql;

namespace Intercom.AiCompliance.PostgreSql.Tests;

[TestFixture]
public sealed class PostgreSqlAuditSinkTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task AppendAsync_ThroughTheTrail_StoresAChainThatVerifiesAndARestartContinuesIt(CancellationToken token)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using (var store = PostgreSqlStore.Open(database, "a"))
        await using (var trail = new AuditTrail(new PostgreSqlAuditSink(store, AuditKeys.Chain), AuditKeys.Options()))
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => trail.AppendAsync(AuditRecords.Make($"first-{i}"), token).AsTask()));
        }

        await using (var store = PostgreSqlStore.Open(database, "a"))
        await using (var trail = new AuditTrail(new PostgreSqlAuditSink(store, AuditKeys.Chain), AuditKeys.Options()))
        {
            var next = await trail.AppendAsync(AuditRecords.Make("after-restart"), token);
            next.Sequence.Should().Be(51, "the restarted instance continues its own chain");
        }

        var result = PostgreSqlAuditVerifier.Verify(database, AuditKeys.Chain);
        result.IsValid.Should().BeTrue(result.ToString());
        result.Chains["a"].RecordCount.Should().Be(51);
        result.AnchorCount.Should().BePositive();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task WriteAsync_TwoInstances_KeepAChainEachAndCiteEachOther(CancellationToken token)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var storeA = PostgreSqlStore.Open(database, "a");
        await using var storeB = PostgreSqlStore.Open(database, "b");
        await using var a = new AuditTrail(new PostgreSqlAuditSink(storeA, AuditKeys.Chain), AuditKeys.Options());
        await using var b = new AuditTrail(new PostgreSqlAuditSink(storeB, AuditKeys.Chain), AuditKeys.Options());
        for (var i = 0; i < 5; i++)
        {
            (await a.AppendAsync(AuditRecords.Make($"a{i}"), token)).Sequence.Should().Be(i + 1);
            (await b.AppendAsync(AuditRecords.Make($"b{i}"), token)).Sequence.Should().Be(i + 1);
        }

        var citesB = await PostgresServer.ScalarAsync<long>(database,
            "SELECT count(*) FROM aicompliance.audit_anchors a, jsonb_array_elements(convert_from(a.body, 'UTF8')::jsonb -> 'heads') h WHERE a.instance_id = 'a' AND h->>'instance' = 'b';");
        citesB.Should().BePositive("instance a's anchors cite instance b's head");
        PostgreSqlAuditVerifier.Verify(database, AuditKeys.Chain).IsValid.Should().BeTrue();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task WriteAsync_ABatchThatDoesNotContinueTheStoredHead_IsRefusedAndNothingIsStored(CancellationToken token)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var store = PostgreSqlStore.Open(database, "a");
        await using (var trail = new AuditTrail(new PostgreSqlAuditSink(store, AuditKeys.Chain), AuditKeys.Options()))
        {
            await trail.AppendAsync(AuditRecords.Make("one"), token);
        }

        var sink = new PostgreSqlAuditSink(store, AuditKeys.Chain);
        var forked = AuditRecords.Make("fork") with { Sequence = 1, PreviousMac = string.Empty, Mac = new string('0', 64) };

        var write = async () => await sink.WriteAsync([forked], token);

        await write.Should().ThrowAsync<InvalidOperationException>().WithMessage("*refuses to fork*");
        (await PostgresServer.ScalarAsync<long>(database, "SELECT count(*) FROM aicompliance.audit_records;")).Should().Be(1);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AppendAsync_AfterTheServerKilledTheConnections_FailsThatWriteAndTheNextContinuesTheChain(CancellationToken token)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var store = PostgreSqlStore.Open(database, "victim");
        await using var trail = new AuditTrail(new PostgreSqlAuditSink(store, AuditKeys.Chain), AuditKeys.Options());
        await trail.AppendAsync(AuditRecords.Make("before"), token);

        await PostgresServer.ScalarAsync<long>(PostgresServer.ConnectionString,
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'aicompliance/victim') t;");
        var failed = async () => await trail.AppendAsync(AuditRecords.Make("on-a-dead-connection"), token);
        await failed.Should().ThrowAsync<AuditWriteException>();

        var after = await trail.AppendAsync(AuditRecords.Make("after"), token);

        after.Sequence.Should().Be(2);
        PostgreSqlAuditVerifier.Verify(database, AuditKeys.Chain).IsValid.Should().BeTrue();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Verify_AnEditedAnchor_IsDetected(CancellationToken token)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using (var store = PostgreSqlStore.Open(database, "a"))
        await using (var trail = new AuditTrail(new PostgreSqlAuditSink(store, AuditKeys.Chain), AuditKeys.Options()))
        {
            await trail.AppendAsync(AuditRecords.Make("one"), token);
            await trail.AppendAsync(AuditRecords.Make("two"), token);
        }

        NpgsqlConnection.ClearAllPools();
        await PostgresServer.ExecuteAsAttackerAsync(database,
            "UPDATE aicompliance.audit_anchors SET body = convert_to(replace(convert_from(body, 'UTF8'), '\"sequence\":1', '\"sequence\":9'), 'UTF8') WHERE anchor_sequence = 1;");

        var result = PostgreSqlAuditVerifier.Verify(database, AuditKeys.Chain);

        result.IsValid.Should().BeFalse();
        result.Problems.Should().Contain(p => p.Contains("anchor 1 of instance a was edited or forged", StringComparison.Ordinal));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Verify_UnderAnotherKey_ReportsTheChainAndTheAnchorsAsNotVerified(CancellationToken token)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using (var store = PostgreSqlStore.Open(database, "a"))
        await using (var trail = new AuditTrail(new PostgreSqlAuditSink(store, AuditKeys.Chain), AuditKeys.Options()))
        {
            await trail.AppendAsync(AuditRecords.Make("one"), token);
        }

        var result = PostgreSqlAuditVerifier.Verify(database, AuditKeys.Other);

        result.IsValid.Should().BeFalse();
        result.Chains["a"].IsValid.Should().BeFalse();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Verify_TheLastAnchorsDeletedButTheRecordsKept_IsDetected(CancellationToken token)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using (var store = PostgreSqlStore.Open(database, "a"))
        await using (var trail = new AuditTrail(new PostgreSqlAuditSink(store, AuditKeys.Chain), AuditKeys.Options()))
        {
            for (var i = 0; i < 4; i++)
            {
                await trail.AppendAsync(AuditRecords.Make($"r{i}"), token);
            }
        }

        NpgsqlConnection.ClearAllPools();
        await PostgresServer.ExecuteAsAttackerAsync(database, "DELETE FROM aicompliance.audit_anchors WHERE anchor_sequence > 2;");

        var result = PostgreSqlAuditVerifier.Verify(database, AuditKeys.Chain);

        result.Chains["a"].IsValid.Should().BeTrue();
        result.IsValid.Should().BeFalse();
        result.Problems.Should().ContainSingle().Which.Should().Contain("last anchor (2) cites its record 2, but its chain goes on to record 4");
    }

    [Test]
    public async Task Table_UpdatesAndDeletes_AreRefusedByTheAppendOnlyTriggers()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using (var store = PostgreSqlStore.Open(database, "a"))
        await using (var trail = new AuditTrail(new PostgreSqlAuditSink(store, AuditKeys.Chain), AuditKeys.Options()))
        {
            await trail.AppendAsync(AuditRecords.Make("one"));
        }

        var delete = async () => await PostgresServer.ScalarAsync<object>(database, "DELETE FROM aicompliance.audit_records;");
        var update = async () => await PostgresServer.ScalarAsync<object>(database, "UPDATE aicompliance.audit_anchors SET mac = 'x';");

        await delete.Should().ThrowAsync<PostgresException>().WithMessage("*append-only*");
        await update.Should().ThrowAsync<PostgresException>().WithMessage("*append-only*");
    }
}
