using System.Text.Json;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Cli;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Cli;

/// <summary><c>aicompliance quarantine list|clear</c> and the quarantine column of <c>deployments</c>, on the configured store.</summary>
[CancelAfter(60_000)]
public class QuarantineCommandsTests
{
    private string _dir = null!;
    private string _config = null!;
    private string _store = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("aicompliance-cli-q-").FullName;
        _config = Path.Combine(_dir, "appsettings.json");
        _store = Path.Combine(_dir, "quarantine.json");
        File.WriteAllText(_config, """
            {
              "AiCompliance": {
                "Catalog": { "UseDefault": true, "Attestations": CONTRACTS },
                "Quarantine": { "FilePath": "STORE" }
              }
            }
            """.Replace("CONTRACTS", FictionalContracts.Json(), StringComparison.Ordinal).Replace("STORE", _store.Replace("\\", "\\\\", StringComparison.Ordinal), StringComparison.Ordinal));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Tool.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A running host's quarantine over the same store, with an incident on <paramref name="id"/>.</summary>
    private async Task<DeploymentQuarantine> HostWithIncidentAsync(string id)
    {
        var host = new DeploymentQuarantine(new JsonFileQuarantineStore(_store), null, new FakeTimeProvider(), Timeout.InfiniteTimeSpan);
        await host.ReportIncidentAsync(DefaultCatalog.Deployments().Single(d => d.Id == id), "eastus", Region.US, "event-7");
        return host;
    }

    [Test]
    public void List_NothingQuarantined_ExitsZeroAndSaysSo()
    {
        var (code, output, err) = Run("quarantine", "list", "--config", _config);

        code.Should().Be(ExitCodes.Ok, err);
        output.Should().Contain("no deployment has been quarantined");
    }

    [Test]
    public async Task Clear_QuarantinedDeployment_ExitsZeroAndTheRunningHostStopsQuarantiningIt()
    {
        await using var host = await HostWithIncidentAsync("azure-openai-eu");

        var (code, output, err) = Run("quarantine", "clear", "azure-openai-eu", "--config", _config, "--operator", "ops-erin", "--reason", "Azure confirmed the deployment is pinned to Sweden Central");
        await host.RefreshAsync();

        code.Should().Be(ExitCodes.Ok, err);
        output.Should().Contain("Cleared the quarantine of azure-openai-eu");
        host.IsQuarantined("azure-openai-eu").Should().BeFalse();
        var (listCode, list, _) = Run("quarantine", "list", "--config", _config, "--json");
        listCode.Should().Be(ExitCodes.Ok);
        var entry = JsonDocument.Parse(list).RootElement.GetProperty("deployments")[0];
        entry.GetProperty("clearedBy").GetString().Should().Be("ops-erin");
        entry.GetProperty("reportedRegion").GetString().Should().Be("eastus");
    }

    [Test]
    public async Task List_QuarantinedDeployment_ShowsTheIncident()
    {
        await using var host = await HostWithIncidentAsync("azure-openai-eu");

        var (code, output, _) = Run("quarantine", "list", "--config", _config);

        code.Should().Be(ExitCodes.Ok);
        output.Should().Contain("azure-openai-eu: QUARANTINED").And.Contain("eastus (US)").And.Contain("declares EU").And.Contain("event-7");
    }

    [Test]
    public void Clear_NotQuarantined_ExitsOne()
    {
        var (code, output, _) = Run("quarantine", "clear", "azure-openai-eu", "--config", _config, "--operator", "ops", "--reason", "x");

        code.Should().Be(ExitCodes.RefusedOrBroken);
        output.Should().Contain("is not quarantined");
    }

    [Test]
    public void Clear_UnknownDeployment_ExitsTwo()
    {
        var (code, _, err) = Run("quarantine", "clear", "no-such-deployment", "--config", _config, "--operator", "ops", "--reason", "x");

        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("no-such-deployment").And.Contain("neither in the configured catalogue");
    }

    [TestCase("--operator")]
    [TestCase("--reason")]
    public void Clear_WithoutOperatorOrReason_ExitsTwo(string missing)
    {
        string[] args = ["quarantine", "clear", "azure-openai-eu", "--config", _config, "--operator", "ops", "--reason", "x"];
        var i = Array.IndexOf(args, missing);

        var (code, _, err) = Run([.. args.Take(i), .. args.Skip(i + 2)]);

        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain(missing);
    }

    [Test]
    public async Task Clear_OperatorWithAControlCharacter_ExitsTwoAndClearsNothing()
    {
        await using var host = await HostWithIncidentAsync("azure-openai-eu");

        var (code, _, _) = Run("quarantine", "clear", "azure-openai-eu", "--config", _config, "--operator", "ops\u001b[31m", "--reason", "x");
        await host.RefreshAsync();

        code.Should().Be(ExitCodes.BadInput);
        host.IsQuarantined("azure-openai-eu").Should().BeTrue();
    }

    [Test]
    public void List_HostKeepsQuarantinesInMemoryOnly_ExitsTwoSayingWhy()
    {
        File.WriteAllText(_config, $$"""{ "AiCompliance": { "Catalog": { "UseDefault": true, "Attestations": {{FictionalContracts.Json()}} } } }""");

        var (code, _, err) = Run("quarantine", "list", "--config", _config);

        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("in memory only");
    }

    [Test]
    public async Task Deployments_ShowsWhichDeploymentIsQuarantined()
    {
        await using var host = await HostWithIncidentAsync("azure-openai-eu");

        var (code, output, _) = Run("deployments", "--config", _config);
        var (jsonCode, json, _) = Run("deployments", "--config", _config, "--json");

        code.Should().Be(ExitCodes.Ok);
        output.Should().Contain("QUARANTINED since").And.Contain("aicompliance quarantine clear azure-openai-eu");
        jsonCode.Should().Be(ExitCodes.Ok);
        var deployments = JsonDocument.Parse(json).RootElement.GetProperty("deployments").EnumerateArray().ToList();
        deployments.Single(d => d.GetProperty("id").GetString() == "azure-openai-eu").GetProperty("quarantine").GetProperty("state").GetString().Should().Be("quarantined");
        deployments.Single(d => d.GetProperty("id").GetString() == "openai-eu").GetProperty("quarantine").GetProperty("state").GetString().Should().Be("not-quarantined");
        deployments.Single(d => d.GetProperty("id").GetString() == "azure-openai-eu").GetProperty("deploymentType").GetString().Should().Be("Standard");
    }
}

/// <summary>The tool on a host that keeps its quarantines in its SQLite database, while that host holds the writer's lock.</summary>
[CancelAfter(60_000)]
public class QuarantineCommandsSqliteTests
{
    [Test]
    public async Task Clear_WhileTheHostHoldsTheDatabase_ClearsAndTheHostSeesIt()
    {
        var dir = Directory.CreateTempSubdirectory("aicompliance-cli-qs-").FullName;
        try
        {
            var db = Path.Combine(dir, "aicompliance.db");
            var config = Path.Combine(dir, "appsettings.json");
            File.WriteAllText(config, $$"""
                {
                  "AiCompliance": { "Catalog": { "UseDefault": true, "Attestations": {{FictionalContracts.Json()}} } },
                  "AiComplianceSqlite": { "Path": "{{db.Replace("\\", "\\\\", StringComparison.Ordinal)}}" }
                }
                """);
            using var running = Intercom.AiCompliance.Sqlite.SqliteStore.Open(db);
            var hostStore = new Intercom.AiCompliance.Sqlite.SqliteQuarantineStore(running);
            await using var host = new DeploymentQuarantine(hostStore, null, new FakeTimeProvider(), Timeout.InfiniteTimeSpan);
            await host.ReportIncidentAsync(DefaultCatalog.Deployments().Single(d => d.Id == "azure-openai-eu"), "East US", Region.US, "event-9");

            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = Tool.Run(["quarantine", "clear", "azure-openai-eu", "--config", config, "--operator", "ops-fay", "--reason", "verified"], stdout, stderr);
            await host.RefreshAsync();

            code.Should().Be(ExitCodes.Ok, stderr.ToString());
            stdout.ToString().Should().Contain("SQLite");
            host.IsQuarantined("azure-openai-eu").Should().BeFalse();
            (await hostStore.ReadAllAsync()).Single().ClearedBy.Should().Be("ops-fay");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
