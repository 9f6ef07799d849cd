using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Quarantine;

/// <summary>Quarantines persist across restarts and a clear made by another instance (the tool, another host) is picked up.</summary>
[CancelAfter(30_000)]
public class DeploymentQuarantineTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("aicompliance-quarantine-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string File => Path.Combine(_dir, "audit.jsonl.quarantine.json");

    private static ProviderDeployment Eu(string id) => Deployments.Make(id, region: Region.EU);

    [Test]
    public async Task ReportIncidentAsync_ThenARestart_TheNewInstanceStillQuarantines()
    {
        var time = new FakeTimeProvider();
        await using (var first = new DeploymentQuarantine(new JsonFileQuarantineStore(File), null, time, Timeout.InfiniteTimeSpan))
        {
            await first.ReportIncidentAsync(Eu("azure-eu"), "eastus", Region.US, "event-1");
        }

        await using var restarted = new DeploymentQuarantine(new JsonFileQuarantineStore(File), null, time, Timeout.InfiniteTimeSpan);

        restarted.IsQuarantined("azure-eu").Should().BeTrue("a quarantine lasts until an operator clears it, restarts included");
        var entry = restarted.Find("azure-eu")!;
        entry.ReportedRegion.Should().Be("eastus");
        entry.ReportedJurisdiction.Should().Be("US");
        entry.DeclaredRegions.Should().Be("EU");
        entry.AuditEventId.Should().Be("event-1");
        entry.QuarantinedBy.Should().Be(DeploymentQuarantine.RouterActor);
    }

    [Test]
    public async Task ClearAsync_ByAnotherInstance_IsPickedUpAtTheNextReloadAndAudited()
    {
        var time = new FakeTimeProvider();
        var sink = new InMemoryAuditSink();
        await using var trail = new AuditTrail(sink, AuditKeys.Options());
        await using var host = new DeploymentQuarantine(new JsonFileQuarantineStore(File), trail, time, TimeSpan.FromSeconds(5));
        await host.ReportIncidentAsync(Eu("azure-eu"), "eastus", Region.US, "event-1");

        // The tool: its own instance over the same file, no timer, no audit trail of its own.
        await using (var tool = new DeploymentQuarantine(new JsonFileQuarantineStore(File), null, time, Timeout.InfiniteTimeSpan))
        {
            (await tool.ClearAsync("azure-eu", "ops-bob", "region pinned again")).Should().BeTrue();
        }

        host.IsQuarantined("azure-eu").Should().BeTrue("the host has not re-read the store yet");
        time.Advance(TimeSpan.FromSeconds(5));
        await Wait.Until(() => !host.IsQuarantined("azure-eu"), "the host's reload sees the clear");

        await Wait.Until(() => sink.Records.Any(r => r.Quarantine?.Action == "cleared"), "the clear is audited by the host");
        var cleared = sink.Records.Single(r => r.Quarantine?.Action == "cleared").Quarantine!;
        cleared.By.Should().Be("ops-bob");
        cleared.Note.Should().Be("region pinned again");
        cleared.Observed.Should().BeTrue();
    }

    [Test]
    public async Task ListAsync_ReReadsTheStore_SoAClearElsewhereShowsAtOnce()
    {
        var time = new FakeTimeProvider();
        await using var host = new DeploymentQuarantine(new JsonFileQuarantineStore(File), null, time, Timeout.InfiniteTimeSpan);
        await host.QuarantineAsync("azure-eu", "ops", "investigating");
        await new JsonFileQuarantineStore(File).ClearAsync("azure-eu", "ops-bob", "done", time.GetUtcNow());

        var list = await host.ListAsync();

        list.Should().ContainSingle().Which.IsActive.Should().BeFalse();
        host.IsQuarantined("azure-eu").Should().BeFalse();
    }

    [Test]
    public async Task QuarantineAsync_ByAnotherInstance_StopsTrafficHereAfterTheReload()
    {
        var time = new FakeTimeProvider();
        await using var host = new DeploymentQuarantine(new JsonFileQuarantineStore(File), null, time, TimeSpan.FromSeconds(5));
        await new DeploymentQuarantine(new JsonFileQuarantineStore(File), null, time, Timeout.InfiniteTimeSpan).QuarantineAsync("azure-us", "ops", "suspected misrouting");

        time.Advance(TimeSpan.FromSeconds(5));

        await Wait.Until(() => host.IsQuarantined("azure-us"), "the host's reload sees the other quarantine");
    }

    [Test]
    public void Constructor_UnreadableStore_FailsClosed()
    {
        System.IO.File.WriteAllText(File, "{ not json");

        var act = () => new DeploymentQuarantine(new JsonFileQuarantineStore(File));

        act.Should().Throw<InvalidDataException>().WithMessage($"*{File}*");
    }

    [TestCase("ops\nadmin", "reason")]
    [TestCase("ops", "")]
    [TestCase("", "reason")]
    public async Task ClearAsync_OperatorOrReasonMissingOrWithControlCharacters_IsRefused(string who, string why)
    {
        await using var q = new DeploymentQuarantine(new InMemoryQuarantineStore(), null, new FakeTimeProvider(), Timeout.InfiniteTimeSpan);
        await q.QuarantineAsync("azure-eu", "ops", "investigating");

        var act = async () => await q.ClearAsync("azure-eu", who, why);

        await act.Should().ThrowAsync<ArgumentException>();
        q.IsQuarantined("azure-eu").Should().BeTrue();
    }
}
