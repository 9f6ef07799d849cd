using Intercom.AiCompliance.Sqlite.Tests.Helpers;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite.Tests;

public class SqliteStoreTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private string Db => _temp.File("nested/folder/store.db");

    private static object? Scalar(SqliteStore store, string sql) =>
        store.RunAsync(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return cmd.ExecuteScalar();
        }, CancellationToken.None).GetAwaiter().GetResult();

    [Test]
    public void Open_SecondWriterOnTheSameFile_FailsNamingTheFileAndTheFirstKeepsWorking()
    {
        using var first = SqliteStore.Open(Db);

        var ex = FluentActions.Invoking(() => SqliteStore.Open(Db)).Should().Throw<IOException>().Which;
        ex.Message.Should().Contain(Path.GetFullPath(Db)).And.Contain("another store");

        Scalar(first, "SELECT COUNT(*) FROM audit_records;").Should().Be(0L);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RunAsync_Statements_RunOnOneDedicatedWriterThreadNotOnThePool(CancellationToken ct)
    {
        // A stuck disk then holds the store's own thread, never a pool thread the host's requests need.
        using var store = SqliteStore.Open(Db);
        var threads = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
            store.RunAsync(_ => (Thread.CurrentThread.ManagedThreadId, Thread.CurrentThread.IsThreadPoolThread), ct), ct)));

        threads.Should().OnlyContain(t => !t.IsThreadPoolThread);
        threads.Select(t => t.ManagedThreadId).Distinct().Should().ContainSingle("one connection, one writer thread");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Dispose_ThenRunAsync_FailsWithObjectDisposedAndTheLockIsReleased(CancellationToken ct)
    {
        var store = SqliteStore.Open(Db);
        (await store.RunAsync(_ => 1, ct)).Should().Be(1);

        store.Dispose();

        await FluentActions.Awaiting(() => store.RunAsync(_ => 1, ct)).Should().ThrowAsync<ObjectDisposedException>();
        using var next = SqliteStore.Open(Db);
        (await next.RunAsync(_ => 2, ct)).Should().Be(2);
    }

    [Test]
    public void Open_AfterTheFirstWriterIsDisposed_Succeeds()
    {
        SqliteStore.Open(Db).Dispose();
        using var second = SqliteStore.Open(Db);
        second.Path.Should().Be(Path.GetFullPath(Db));
    }

    [TestCase(SqliteDurability.ProcessCrash, 1L, TestName = "Open_ProcessCrash_WalWithSynchronousNormal")]
    [TestCase(SqliteDurability.PowerLoss, 2L, TestName = "Open_PowerLoss_WalWithSynchronousFull")]
    public void Open_Durability_SetsJournalModeAndSynchronous(SqliteDurability durability, long synchronous)
    {
        using var store = SqliteStore.Open(Db, durability);
        Scalar(store, "PRAGMA journal_mode;").Should().Be("wal");
        Scalar(store, "PRAGMA synchronous;").Should().Be(synchronous);
        store.Durability.Should().Be(durability);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Open_NewAndReopened_SchemaVersionTablePresentAndMigrationAppliedOnce(CancellationToken ct)
    {
        using (var store = SqliteStore.Open(Db))
        {
            (await store.ReadSchemaVersionsAsync(ct)).Should().Equal(Enumerable.Range(1, SqliteStore.SchemaVersion), "every schema step, in order: the audit and consent tables, then the quarantine table");
        }

        for (var i = 0; i < 3; i++)
        {
            using var store = SqliteStore.Open(Db);
            (await store.ReadSchemaVersionsAsync(ct)).Should().Equal(Enumerable.Range(1, SqliteStore.SchemaVersion), "reopening must not apply a migration twice");
            Scalar(store, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('audit_records', 'consent_events', 'schema_version');").Should().Be(3L);
        }
    }

    [Test]
    public void Open_DatabaseFromANewerVersion_IsRefusedNotWritten()
    {
        SqliteStore.Open(Db).Dispose();
        using (var c = new SqliteConnection(SqliteStore.ConnectionString(Path.GetFullPath(Db), SqliteOpenMode.ReadWrite)))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES (99, 'later');";
            cmd.ExecuteNonQuery();
        }

        FluentActions.Invoking(() => SqliteStore.Open(Db)).Should().Throw<InvalidOperationException>().WithMessage("*schema version 99*newer*");
        FluentActions.Invoking(() => SqliteStore.Open(Db)).Should().Throw<InvalidOperationException>("the failed open released the lock");
    }

    [Test]
    public void Open_NoPath_Throws()
    {
        FluentActions.Invoking(() => SqliteStore.Open(new SqliteStoreOptions())).Should().Throw<ArgumentException>();
    }
}
