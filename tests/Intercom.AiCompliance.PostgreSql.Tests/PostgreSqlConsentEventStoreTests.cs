using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.PostgreSql.Tests.Helpers;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.PostgreSql.Tests;

[TestFixture]
public sealed class PostgreSqlConsentEventStoreTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task RequestOptOut_RecordedBeforeTheProcessWasKilled_IsInForceAfterRestart(CancellationToken token)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        using (var host = FleetProcess.Start(database, "consent", "host-1", "ws-opted-out"))
        {
            await host.WaitForLineAsync(l => l == "recorded", token);
            await host.KillAsync(token);
        }

        await using var store = PostgreSqlStore.Open(database, "host-2");
        var ledger = new TrainingConsentLedger(new PostgreSqlConsentEventStore(store));
        var events = await new PostgreSqlConsentEventStore(store).ReadAsync("ws-opted-out", token);

        events.Should().ContainSingle(e => e.Kind == ConsentEventKind.OptOutRequested && e.Reference == "ticket-1");
        (await ledger.GetEffectiveAsync(UsStandard("ws-opted-out"), token)).State.Should().Be(ConsentState.OptOutPending,
            "a Standard US workspace is opted in by default: the opt-out recorded before the crash is what holds training back");
        (await ledger.DueWithinAsync(TimeSpan.FromDays(31), token)).Should().Contain(p => p.WorkspaceId == "ws-opted-out",
            "the 30-day due list is read back from the stored events after the restart");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AppendAsync_FromTwoInstances_IsSeenByBothInOneOrder(CancellationToken token)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = PostgreSqlStore.Open(database, "a");
        await using var b = PostgreSqlStore.Open(database, "b");
        var at = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));
        var first = await new PostgreSqlConsentEventStore(a).AppendAsync(new ConsentEvent("ws", ConsentEventKind.OptOutRequested, at, null), token);
        var second = await new PostgreSqlConsentEventStore(b).AppendAsync(new ConsentEvent("ws", ConsentEventKind.OptOutGranted, at.AddDays(1), "ref"), token);

        var seenByA = await new PostgreSqlConsentEventStore(a).ReadAllAsync(token);

        second.Sequence.Should().BeGreaterThan(first.Sequence);
        seenByA.Should().Equal(first, second);
        seenByA[0].At.Offset.Should().Be(TimeSpan.FromHours(2), "the time is read back exactly as it was recorded");
    }

    [Test]
    public async Task Table_DeletingAConsentEvent_IsRefused()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var store = PostgreSqlStore.Open(database, "a");
        await new PostgreSqlConsentEventStore(store).AppendAsync(new ConsentEvent("ws", ConsentEventKind.OptOutRequested, DateTimeOffset.UtcNow, null));

        var delete = async () => await PostgresServer.ScalarAsync<object>(database, "DELETE FROM aicompliance.consent_events;");

        await delete.Should().ThrowAsync<Npgsql.PostgresException>().WithMessage("*append-only*");
    }

    [Test]
    public async Task GetEffectiveAsync_AnOptOutRequestedOnOneInstanceAndGrantedOnAnother_IsOptedOutOnBoth()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = PostgreSqlStore.Open(database, "a");
        await using var b = PostgreSqlStore.Open(database, "b");
        await new TrainingConsentLedger(new PostgreSqlConsentEventStore(b)).RequestOptOutAsync("ws-1", "ticket");
        await new TrainingConsentLedger(new PostgreSqlConsentEventStore(a)).GrantOptOutAsync("ws-1", "ticket");

        var effective = await new TrainingConsentLedger(new PostgreSqlConsentEventStore(b)).GetEffectiveAsync(UsStandard("ws-1"));

        effective.State.Should().Be(ConsentState.OptedOut, "a Standard US workspace is opted in by default; the opt-out another instance recorded decides");
    }

    private static WorkspaceComplianceProfile UsStandard(string id) => new()
    {
        WorkspaceId = id,
        HostingRegion = Region.US,
        ContractType = ContractType.Standard,
        HandlesHealthData = false,
    };
}
