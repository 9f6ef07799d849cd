using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Sqlite.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Sqlite.Tests.DependencyInjection;

public class SqliteAiComplianceBuilderExtensionsTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private string Db => _temp.File("aicompliance.db");

    private static HostApplicationBuilder Builder(params (string Key, string? Value)[] extra)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(
            new (string Key, string? Value)[]
            {
                ("AiCompliance:Catalog:UseDefault", "true"),
                ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
                ("AiCompliance:Workspaces:0:HostingRegion", "US"),
                ("AiCompliance:Workspaces:0:ContractType", "Standard"),
                ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
                ("AiCompliance:Audit:ChainKey", Key),
            }.Concat(FictionalContracts.ConfigurationPairs()).Concat(extra).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        return builder;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task UseSqliteFromConfiguration_HostWithATrainingSinkStartsAndRoutedRequestsAreAuditedInTheDatabase(CancellationToken ct)
    {
        var builder = Builder(("AiComplianceSqlite:Path", Db), ("AiComplianceSqlite:Durability", "PowerLoss"));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance"))
            .UseSqlite(builder.Configuration.GetSection(SqliteAiComplianceBuilderExtensions.SectionName))
            .UseTrainingSink(new InMemoryTrainingDataSink())
            .AddSimulatedClientsForDemosAndTests();
        using (var host = builder.Build())
        {
            // A training sink without a durable consent store fails the start: the SQLite store counts as durable.
            await host.StartAsync(ct);
            host.Services.GetRequiredService<IConsentEventStore>().Should().BeOfType<SqliteConsentEventStore>();
            host.Services.GetRequiredService<AuditTrail>().Sink.Should().BeOfType<SqliteAuditSink>("the trail writes to the SQLite sink");
            host.Services.GetRequiredService<SqliteStore>().Durability.Should().Be(SqliteDurability.PowerLoss);
            await host.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), ct);
            await host.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), ct);
            await host.StopAsync(ct);
        }

        SqliteAuditVerifier.Verify(Db, AuditChainKey.FromBase64(Key)).Should().Be(new AuditVerificationResult(true, 4, null, null), "two requests, each an intent and an outcome");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task UseSqliteWithAPath_RestartedHostContinuesTheChainAndKeepsConsent(CancellationToken ct)
    {
        for (var run = 0; run < 2; run++)
        {
            var builder = Builder();
            builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseSqlite(Db).AddSimulatedClientsForDemosAndTests();
            using var host = builder.Build();
            await host.StartAsync(ct);
            var ledger = host.Services.GetRequiredService<ITrainingConsentLedger>();
            if (run == 0)
            {
                await ledger.RequestOptOutAsync("ws-1", "ticket-1", ct);
            }
            else
            {
                (await ledger.DueWithinAsync(TimeSpan.FromDays(30), ct)).Select(p => p.WorkspaceId).Should().Equal("ws-1");
            }

            await host.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), ct);
            await host.StopAsync(ct);
        }

        SqliteAuditVerifier.Verify(Db, AuditChainKey.FromBase64(Key)).Should().Be(new AuditVerificationResult(true, 4, null, null), "two requests, each an intent and an outcome");
    }

    [TestCase("AiComplianceSqlite:Pth", "x.db", "AiComplianceSqlite:Pth", TestName = "HostStart_UnknownSqliteKey_FailsNamingIt")]
    [TestCase("AiComplianceSqlite:Durability", "1", "AiComplianceSqlite:Durability", TestName = "HostStart_DurabilityAsANumber_FailsNamingIt")]
    [TestCase("AiComplianceSqlite:Durability", "Disk", "AiComplianceSqlite:Durability", TestName = "HostStart_UnknownDurability_FailsNamingIt")]
    [TestCase("AiCompliance:Audit:FilePath", "audit.jsonl", "AiCompliance:Audit:FilePath", TestName = "HostStart_SqliteAndAJsonLinesFileBoth_FailsNamingTheFilePath")]
    [TestCase("AiComplianceSqlite:Retention:MaxAgeDays", "30", "AiComplianceSqlite:Retention:MaxAgeDays", TestName = "HostStart_UnknownRetentionKey_FailsNamingIt")]
    [TestCase("AiComplianceSqlite:Retention:MaxAge", "thirty days", "AiComplianceSqlite:Retention:MaxAge", TestName = "HostStart_RetentionMaxAgeNotATimeSpan_FailsNamingIt")]
    [TestCase("AiComplianceSqlite:Retention:MaxAge", "30.00:00:00", "AiComplianceSqlite:Retention:ExportFolder", TestName = "HostStart_RetentionMaxAgeWithoutAnExportFolder_FailsNamingTheFolderKey")]
    [TestCase("AiComplianceSqlite:Retention:ExportFolder", "exports", "AiComplianceSqlite:Retention:MaxAge", TestName = "HostStart_RetentionExportFolderWithoutAMaxAge_FailsNamingTheAgeKey")]
    public async Task HostStart_InvalidSqliteSetting_FailsNamingTheKey(string key, string value, string expected)
    {
        var builder = Builder((key, value), ("AiComplianceSqlite:Path", Db));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance"))
            .UseSqlite(builder.Configuration.GetSection(SqliteAiComplianceBuilderExtensions.SectionName))
            .AddSimulatedClientsForDemosAndTests();
        using var host = builder.Build();

        var ex = (await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>()).Which;
        ex.Message.Should().Contain(expected);
    }

    [Test]
    public void UseSqliteFromConfiguration_RetentionConfigured_RegistersTheRetentionJobOnlyThen()
    {
        var without = Builder(("AiComplianceSqlite:Path", Db));
        without.Services.AddAiCompliance(without.Configuration.GetSection("AiCompliance"))
            .UseSqlite(without.Configuration.GetSection(SqliteAiComplianceBuilderExtensions.SectionName));

        var with = Builder(("AiComplianceSqlite:Path", Db), ("AiComplianceSqlite:Retention:MaxAge", "30.00:00:00"),
            ("AiComplianceSqlite:Retention:ExportFolder", _temp.File("exports")), ("AiComplianceSqlite:Retention:Interval", "06:00:00"));
        with.Services.AddAiCompliance(with.Configuration.GetSection("AiCompliance"))
            .UseSqlite(with.Configuration.GetSection(SqliteAiComplianceBuilderExtensions.SectionName));
        using var host = with.Build();
        host.Services.GetServices<IHostedService>().OfType<SqliteAuditRetentionService>().Should().ContainSingle();
        var retention = host.Services.GetRequiredService<IOptions<SqliteStoreOptions>>().Value.Retention;
        retention.Should().BeEquivalentTo(new SqliteRetentionOptions { MaxAge = TimeSpan.FromDays(30), ExportFolder = _temp.File("exports"), Interval = TimeSpan.FromHours(6) });

        using var none = without.Build();
        none.Services.GetServices<IHostedService>().OfType<SqliteAuditRetentionService>().Should().BeEmpty("no MaxAge, no job");
    }

    [TestCase(true, TestName = "UseSqlite_SectionWithoutAPath_StoresInAicomplianceDbUnderTheContentRoot")]
    [TestCase(false, TestName = "UseSqlite_NoArguments_StoresInAicomplianceDbUnderTheContentRoot")]
    [CancelAfter(60_000)]
    public async Task UseSqlite_WithoutAPath_StoresInAicomplianceDbUnderTheContentRoot(bool fromSection, CancellationToken ct)
    {
        var builder = Builder();
        builder.Environment.ContentRootPath = _temp.Path;
        var compliance = builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance"));
        _ = fromSection
            ? compliance.UseSqlite(builder.Configuration.GetSection(SqliteAiComplianceBuilderExtensions.SectionName))
            : compliance.UseSqlite();
        compliance.AddSimulatedClientsForDemosAndTests();
        using (var host = builder.Build())
        {
            await host.StartAsync(ct);
            host.Services.GetRequiredService<SqliteStore>().Path.Should().Be(Path.Combine(_temp.Path, SqliteAiComplianceBuilderExtensions.DefaultFileName));
            host.Services.GetRequiredService<SqliteStore>().Durability.Should().Be(SqliteDurability.ProcessCrash);
            await host.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), ct);
            await host.StopAsync(ct);
        }

        SqliteAuditVerifier.Verify(_temp.File("aicompliance.db"), AuditChainKey.FromBase64(Key)).IsValid.Should().BeTrue();
    }
}
