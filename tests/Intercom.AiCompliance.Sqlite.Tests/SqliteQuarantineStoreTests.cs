using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Sqlite.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Intercom.AiCompliance.Sqlite.Tests;

/// <summary>Quarantines in the audit chain's own database: they survive a restart, and the tool can clear one while the host writes.</summary>
[CancelAfter(60_000)]
public class SqliteQuarantineStoreTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private string Db => _temp.File("aicompliance.db");

    private static QuarantineEntry Entry(string id) => new()
    {
        DeploymentId = id,
        QuarantinedAt = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero),
        Reason = DeploymentQuarantine.ServedOutsideRegions,
        QuarantinedBy = DeploymentQuarantine.RouterActor,
        ReportedRegion = "eastus",
        ReportedJurisdiction = "US",
        DeclaredRegions = "EU",
        AuditEventId = "event-1",
    };

    [Test]
    public async Task QuarantineAsync_ThenReopen_TheEntryIsStillThere(CancellationToken ct)
    {
        using (var store = SqliteStore.Open(Db))
        {
            await new SqliteQuarantineStore(store).QuarantineAsync(Entry("azure-eu"), ct);
        }

        using var reopened = SqliteStore.Open(Db);
        var entry = (await new SqliteQuarantineStore(reopened).ReadAllAsync(ct)).Should().ContainSingle().Subject;

        entry.Should().Be(Entry("azure-eu"));
        entry.IsActive.Should().BeTrue();
    }

    [Test]
    public async Task OpenShared_ClearWhileTheHostHoldsTheWriterLock_TheHostSeesTheClear(CancellationToken ct)
    {
        using var host = SqliteStore.Open(Db);
        var hostStore = new SqliteQuarantineStore(host);
        await hostStore.QuarantineAsync(Entry("azure-eu"), ct);

        var tool = SqliteQuarantineStore.OpenShared(Db);
        var cleared = await tool.ClearAsync("azure-eu", "ops-dana", "verified", DateTimeOffset.UnixEpoch, ct);

        cleared!.ClearedBy.Should().Be("ops-dana");
        (await hostStore.ReadAllAsync(ct)).Should().ContainSingle().Which.IsActive.Should().BeFalse();
    }

    [Test]
    public void OpenShared_NoDatabase_SaysSo() =>
        FluentActions.Invoking(() => SqliteQuarantineStore.OpenShared(_temp.File("missing.db"))).Should().Throw<FileNotFoundException>();

    [Test]
    public async Task UseSqlite_TheHostsQuarantineLivesInTheDatabase(CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new (string Key, string? Value)[]
        {
            ("AiCompliance:Catalog:UseDefault", "true"),
            ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
            ("AiCompliance:Workspaces:0:HostingRegion", "US"),
            ("AiCompliance:Workspaces:0:ContractType", "Standard"),
            ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
            ("AiCompliance:Audit:ChainKey", Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray())),
        }.Concat(FictionalContracts.ConfigurationPairs()).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseSqlite(Db).AddSimulatedClientsForDemosAndTests();
        using (var app = builder.Build())
        {
            await app.StartAsync(ct);
            app.Services.GetRequiredService<IQuarantineStore>().Should().BeOfType<SqliteQuarantineStore>();
            await app.Services.GetRequiredService<IDeploymentQuarantine>().QuarantineAsync("azure-openai-us", "ops", "drill", ct);
            await app.StopAsync(ct);
        }

        (await SqliteQuarantineStore.OpenShared(Db).ReadAllAsync(ct)).Should().ContainSingle().Which.DeploymentId.Should().Be("azure-openai-us");
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).IsValid.Should().BeTrue("the quarantine record is part of the chain");
    }
}
