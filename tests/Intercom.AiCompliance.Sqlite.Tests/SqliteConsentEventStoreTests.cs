using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Sqlite.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite.Tests;

public class SqliteConsentEventStoreTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static WorkspaceComplianceProfile Standard(string id) => new()
    {
        WorkspaceId = id,
        HostingRegion = Region.US,
        ContractType = ContractType.Standard,
        HandlesHealthData = false,
    };

    /// <summary>
    /// What a crash leaves: the database and its write-ahead log as they are on disk while the store is still open
    /// (no close, no checkpoint), copied to a fresh folder, as the next process would find them.
    /// </summary>
    private string CrashCopy(string db)
    {
        var dir = Path.Combine(_temp.Path, "after-crash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        foreach (var suffix in new[] { "", "-wal" })
        {
            if (File.Exists(db + suffix))
            {
                using var source = new FileStream(db + suffix, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var target = File.Create(Path.Combine(dir, "store.db" + suffix));
                source.CopyTo(target);
            }
        }

        return Path.Combine(dir, "store.db");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task OptOut_RecordedBeforeACrash_IsInForceAfterRestartAndStaysOnTheDueList(CancellationToken ct)
    {
        var db = _temp.File("store.db");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var store = SqliteConsentEventStore.Open(db);
        var ledger = new TrainingConsentLedger(store, clock);
        (await ledger.GetEffectiveAsync(Standard("ws-1"), ct)).State.Should().Be(ConsentState.OptedIn, "a Standard US workspace is opted in by default");
        var pending = await ledger.RequestOptOutAsync("ws-1", "settings-change-1", ct);
        await ledger.RequestOptOutAsync("ws-2", "settings-change-2", ct);

        // The process dies here: the store is never disposed, the log never checkpointed.
        var afterCrash = CrashCopy(db);
        store.Dispose();

        clock.Advance(TimeSpan.FromDays(3));
        await using var reopened = SqliteConsentEventStore.Open(afterCrash);
        var restarted = new TrainingConsentLedger(reopened, clock);
        var consent = await restarted.GetEffectiveAsync(Standard("ws-1"), ct);
        consent.State.Should().Be(ConsentState.OptOutPending);
        consent.AllowsTraining.Should().BeFalse("an opt-out recorded before the crash must stop training after it");
        consent.OptOutDueBy.Should().Be(pending.DueBy);

        var due = await restarted.DueWithinAsync(TimeSpan.FromDays(30), ct);
        due.Select(d => (d.WorkspaceId, d.DueBy, d.Reference)).Should().Equal(
            ("ws-1", pending.DueBy, "settings-change-1"),
            ("ws-2", pending.DueBy, "settings-change-2"));

        clock.Advance(TimeSpan.FromDays(28));
        (await restarted.OverdueAsync(ct)).Select(d => d.WorkspaceId).Should().Equal("ws-1", "ws-2");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task AppendAsync_Events_ReadBackInOrderWithSequencesAndExactTimes(CancellationToken ct)
    {
        var at = new DateTimeOffset(2026, 6, 1, 12, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var db = _temp.File("store.db");
        ConsentEvent[] appended;
        await using (var store = SqliteConsentEventStore.Open(db))
        {
            appended =
            [
                await store.AppendAsync(new ConsentEvent("ws-1", ConsentEventKind.OptOutRequested, at, "ticket-1"), ct),
                await store.AppendAsync(new ConsentEvent("ws-2", ConsentEventKind.OptedIn, at, null), ct),
                await store.AppendAsync(new ConsentEvent("ws-1", ConsentEventKind.OptOutGranted, at.AddDays(1), "ticket-1"), ct),
            ];
        }

        appended.Select(e => e.Sequence).Should().Equal(1, 2, 3);
        await using var reopened = SqliteConsentEventStore.Open(db);
        (await reopened.ReadAllAsync(ct)).Should().Equal(appended);
        (await reopened.ReadAsync("ws-1", ct)).Should().Equal(appended[0], appended[2]);
        (await reopened.ReadAsync("ws-unknown", ct)).Should().BeEmpty();
        (await reopened.AppendAsync(new ConsentEvent("ws-3", ConsentEventKind.OptedIn, at, null), ct)).Sequence.Should().Be(4);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ConsentEvents_UpdateOrDeleteThroughSqlite_IsRefusedByTheDatabase(CancellationToken ct)
    {
        var db = _temp.File("store.db");
        await using (var store = SqliteConsentEventStore.Open(db))
        {
            await store.AppendAsync(new ConsentEvent("ws-1", ConsentEventKind.OptOutRequested, DateTimeOffset.UnixEpoch, null), ct);
        }

        using var c = new SqliteConnection(SqliteStore.ConnectionString(db, SqliteOpenMode.ReadWrite));
        c.Open();
        foreach (var sql in new[] { "UPDATE consent_events SET kind = 3;", "DELETE FROM consent_events;" })
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            FluentActions.Invoking(() => cmd.ExecuteNonQuery()).Should().Throw<SqliteException>().WithMessage("*append-only*");
        }
    }
}
