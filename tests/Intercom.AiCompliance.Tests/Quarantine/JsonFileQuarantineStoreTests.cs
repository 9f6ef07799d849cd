using Intercom.AiCompliance.Quarantine;

namespace Intercom.AiCompliance.Tests.Quarantine;

[CancelAfter(60_000)]
public class JsonFileQuarantineStoreTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("aicompliance-qstore-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static QuarantineEntry Entry(string id) => new()
    {
        DeploymentId = id,
        QuarantinedAt = DateTimeOffset.UnixEpoch,
        Reason = DeploymentQuarantine.OperatorQuarantine,
        QuarantinedBy = "ops",
    };

    [Test]
    public async Task QuarantineAsync_TwoWritersAtOnce_LoseNoChange()
    {
        var path = Path.Combine(_dir, "q.json");
        var a = new JsonFileQuarantineStore(path);
        var b = new JsonFileQuarantineStore(path);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? a : b).QuarantineAsync(Entry($"d{i:00}")))));

        (await a.ReadAllAsync()).Select(e => e.DeploymentId).Should().Equal(Enumerable.Range(0, 40).Select(i => $"d{i:00}"));
        Directory.GetFiles(_dir).Select(Path.GetFileName).Should().BeEquivalentTo(["q.json", "q.json.lock"], "no temporary file is left behind");
    }

    [Test]
    public async Task QuarantineAsync_AlreadyQuarantined_KeepsTheFirstEntry()
    {
        var store = new JsonFileQuarantineStore(Path.Combine(_dir, "q.json"));
        await store.QuarantineAsync(Entry("d") with { Note = "first" });

        var kept = await store.QuarantineAsync(Entry("d") with { Note = "second" });

        kept.Note.Should().Be("first");
    }

    [Test]
    public async Task ClearAsync_KeepsWhoClearedAndWhy_AndALaterIncidentQuarantinesAgain()
    {
        var store = new JsonFileQuarantineStore(Path.Combine(_dir, "q.json"));
        await store.QuarantineAsync(Entry("d"));

        var cleared = await store.ClearAsync("d", "ops-carol", "fixed", DateTimeOffset.UnixEpoch.AddDays(1));
        var again = await store.QuarantineAsync(Entry("d") with { Note = "new incident" });

        cleared!.ClearedBy.Should().Be("ops-carol");
        cleared.ClearReason.Should().Be("fixed");
        again.IsActive.Should().BeTrue();
        again.Note.Should().Be("new incident");
        (await store.ClearAsync("missing", "ops", "x", DateTimeOffset.UnixEpoch)).Should().BeNull();
    }
}
