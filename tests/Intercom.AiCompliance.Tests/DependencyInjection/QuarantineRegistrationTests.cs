using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Tests.DependencyInjection;

/// <summary>AddAiCompliance keeps quarantines next to the audit file by default, so a restarted host still honours them.</summary>
[CancelAfter(60_000)]
public class QuarantineRegistrationTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("aicompliance-qdi-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string AuditFile => Path.Combine(_dir, "audit.jsonl");

    private IHost Build(params (string Key, string? Value)[] extra)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new (string Key, string? Value)[]
        {
            ("AiCompliance:Catalog:UseDefault", "true"),
            ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
            ("AiCompliance:Workspaces:0:HostingRegion", "US"),
            ("AiCompliance:Workspaces:0:ContractType", "Standard"),
            ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
            ("AiCompliance:Audit:FilePath", AuditFile),
            ("AiCompliance:Audit:ChainKey", Key),
        }.Concat(FictionalContracts.ConfigurationPairs()).Concat(extra).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).AddSimulatedClientsForDemosAndTests();
        return builder.Build();
    }

    [Test]
    public async Task QuarantineAsync_ThenTheHostRestarts_TheDeploymentStaysOutOfEveryPlan(CancellationToken ct)
    {
        string quarantined;
        using (var host = Build())
        {
            await host.StartAsync(ct);
            var router = host.Services.GetRequiredService<ProviderRouter>();
            quarantined = router.Plan(Requests.Make("ws-1"), Requests.Profile("ws-1")).Candidates[0].Id;
            await host.Services.GetRequiredService<IDeploymentQuarantine>().QuarantineAsync(quarantined, "ops", "suspected misrouting", ct);
            host.Services.GetRequiredService<IQuarantineStore>().Should().BeOfType<JsonFileQuarantineStore>()
                .Which.Path.Should().Be(AuditFile + ".quarantine.json", "quarantines persist next to the audit file by default");
            await host.StopAsync(ct);
        }

        using var restarted = Build();
        await restarted.StartAsync(ct);
        var plan = restarted.Services.GetRequiredService<ProviderRouter>().Plan(Requests.Make("ws-1"), Requests.Profile("ws-1"));
        var response = await restarted.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), ct);
        await restarted.StopAsync(ct);

        plan.Candidates.Select(d => d.Id).Should().NotContain(quarantined);
        plan.RejectionsByReason[RejectionReasonCodes.DeploymentQuarantined].Should().Equal(quarantined);
        response.ServedBy.Id.Should().NotBe(quarantined);
        AuditChainVerifier.VerifyFile(AuditFile, AuditKeys.Chain).IsValid.Should().BeTrue("the quarantine record is sealed into the same chain");
        File.ReadAllLines(AuditFile).Should().Contain(l => l.Contains("\"kind\":\"quarantine\"", StringComparison.Ordinal) && l.Contains(quarantined, StringComparison.Ordinal));
    }

    [Test]
    public async Task HostStart_QuarantineFilePathSet_UsesThatFile(CancellationToken ct)
    {
        var file = Path.Combine(_dir, "elsewhere", "quarantine.json");
        using var host = Build(("AiCompliance:Quarantine:FilePath", file), ("AiCompliance:Quarantine:ReloadInterval", "00:00:30"));
        await host.StartAsync(ct);

        host.Services.GetRequiredService<IQuarantineStore>().Should().BeOfType<JsonFileQuarantineStore>().Which.Path.Should().Be(file);
        host.Services.GetRequiredService<DeploymentQuarantine>().ReloadInterval.Should().Be(TimeSpan.FromSeconds(30));
        await host.StopAsync(ct);
    }

    [TestCase("00:00:00")]
    [TestCase("-00:00:01")]
    [TestCase("2.00:00:00")]
    public async Task HostStart_ReloadIntervalOutOfRange_FailsNamingTheKey(string interval, CancellationToken ct)
    {
        using var host = Build(("AiCompliance:Quarantine:ReloadInterval", interval));

        var ex = (await FluentActions.Awaiting(() => host.StartAsync(ct)).Should().ThrowAsync<OptionsValidationException>()).Which;

        ex.Failures.Should().Contain(f => f.StartsWith("AiCompliance:Quarantine:ReloadInterval", StringComparison.Ordinal));
    }

    [Test]
    public async Task HostStart_UnknownQuarantineKey_FailsNamingTheKey(CancellationToken ct)
    {
        using var host = Build(("AiCompliance:Quarantine:FilePth", "x.json"));

        var ex = (await FluentActions.Awaiting(() => host.StartAsync(ct)).Should().ThrowAsync<OptionsValidationException>()).Which;

        ex.Failures.Should().Contain(f => f.StartsWith("AiCompliance:Quarantine:FilePth", StringComparison.Ordinal));
    }
}
