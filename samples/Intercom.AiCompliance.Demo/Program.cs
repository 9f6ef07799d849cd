// The demo: traffic from workspaces of every kind (US standard, EU, AU, HIPAA, trial) across the products, while
// injected outages hit providers. It shows failover staying inside each workspace's boundary, refusals with their
// reasons, a summary per workspace and provider, and verifies the audit trail it wrote.
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Demo;
using Intercom.AiCompliance.Providers.Simulated;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spectre.Console;

// The second mode, against real endpoints (docs/live-demo.md; never run by CI): explicit opt-in only.
if (args.Contains("--live"))
{
    var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
        .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
    return await Intercom.AiCompliance.Demo.Live.LiveDemo.RunAsync(args, environment, Console.Out);
}

if (Console.IsOutputRedirected)
{
    // Logs and CI get plain text at a width that keeps the tables readable.
    AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Out = new AnsiConsoleOutput(Console.Out),
    });
    AnsiConsole.Profile.Width = 170;
}

var auditPath = Path.Combine(Path.GetTempPath(), "aicompliance-demo", $"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.jsonl");
// A file trail is sealed with a chain key the host holds (AiCompliance:Audit:ChainKey, from a secret store). The demo
// makes one for this run and keeps it next to the file, readable by the owner only, so the trail can be verified.
var chainKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
var keyPath = Path.ChangeExtension(auditPath, ".key");
Directory.CreateDirectory(Path.GetDirectoryName(keyPath)!);
File.WriteAllText(keyPath, chainKey);
if (!OperatingSystem.IsWindows())
{
    File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
}

var trainingSink = new InMemoryTrainingDataSink();
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddAiCompliance(builder.Configuration.GetSection(AiComplianceOptions.SectionName))
    .UseJsonLinesAuditFile(auditPath)
    .UseTrainingSink(trainingSink)
    // The demo keeps training opt-outs in memory; a real host registers a durable IConsentEventStore instead.
    .UseInMemoryConsentStoreForTestsAndDemos()
    .AddSimulatedClientsForDemosAndTests(s =>
    {
        s.Seed = 2026;
        s.FaultRate = 0.12;
        s.RetryAfter = TimeSpan.FromMilliseconds(50);
    });

builder.Services.Configure<AiComplianceOptions>(o => o.Audit.ChainKey = chainKey);
using var host = builder.Build();
await host.StartAsync();
var router = host.Services.GetRequiredService<IProviderRouter>();
var simulation = host.Services.GetRequiredService<SimulationOptions>();
var profiles = host.Services.GetRequiredService<IOptions<AiComplianceOptions>>().Value.Workspaces.ToDictionary(w => w.WorkspaceId);

AnsiConsole.Write(new Rule("[bold]Intercom.AiCompliance demo[/]").LeftJustified());
AnsiConsole.MarkupLine("Catalogue: the package's default ({0} deployments), with the demo's own FICTIONAL contract references (FICTIONAL-DEMO-...) "
    + "from appsettings.json: the package ships none. Providers are simulated in-process; no network is used.",
    host.Services.GetRequiredService<ProviderCatalog>().Deployments.Count);

var results = new List<TrafficResult>();
async Task Phase(string title, IEnumerable<string> down)
{
    foreach (var id in simulation.Outages.Keys)
    {
        simulation.SetOutage(id, down: false);
    }

    foreach (var id in down)
    {
        simulation.SetOutage(id);
    }

    AnsiConsole.WriteLine();
    AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());
    var table = Tables.Traffic();
    foreach (var s in Scenarios.All)
    {
        var result = await Traffic.SendAsync(router, s, profiles[s.WorkspaceId], title);
        results.Add(result);
        Tables.AddRow(table, result);
    }

    AnsiConsole.Write(table);
}

await Phase("Phase 1: all providers healthy (a few transient faults injected)", []);
await Phase("Phase 2: outages at Anthropic (direct), Bedrock EU and Bedrock AU", ["anthropic-direct-us", "bedrock-claude-eu", "bedrock-claude-au"]);

AnsiConsole.WriteLine();
AnsiConsole.Write(new Rule("[bold]Refusals, with their reasons[/]").LeftJustified());
AnsiConsole.Write(Tables.Refusals(results));
AnsiConsole.Write(new Rule("[bold]Summary per workspace[/]").LeftJustified());
AnsiConsole.Write(Tables.PerWorkspace(results, profiles));
AnsiConsole.Write(new Rule("[bold]Summary per provider (every attempt)[/]").LeftJustified());
AnsiConsole.Write(Tables.PerProvider(results));

// Training offers are made after each audit record is stored, off the request's path: wait for them before counting.
await ((ProviderRouter)router).WaitForTrainingOffersAsync();
AnsiConsole.Write(new Rule("[bold]Training consent (anonymised samples offered for fine-tuning)[/]").LeftJustified());
var training = new Table().Border(TableBorder.Rounded).AddColumns("Workspace", "Samples offered", "Why");
foreach (var p in profiles.Values)
{
    var consent = TrainingConsentLedger.Evaluate(p, [], DateTimeOffset.UtcNow);
    training.AddRow(Markup.Escape(p.WorkspaceId), trainingSink.Samples.Count(x => x.WorkspaceId == p.WorkspaceId).ToString(System.Globalization.CultureInfo.InvariantCulture),
        Markup.Escape(consent.ToString()));
}

AnsiConsole.Write(training);
var leaked = trainingSink.Samples.Where(x => !TrainingConsentLedger.Evaluate(profiles[x.WorkspaceId], [], x.ConsentCheckedAt).AllowsTraining).ToList();

// Every answer must come from inside the workspace's boundary; the demo fails loudly if one did not.
var breaches = results.Where(r => r.Response is { } resp && !Traffic.InsideBoundary(resp.ServedBy, profiles[r.Scenario.WorkspaceId])).ToList();

await host.StopAsync();
await host.Services.GetRequiredService<AuditTrail>().DisposeAsync();
var verification = AuditChainVerifier.VerifyFile(auditPath, AuditChainKey.FromBase64(chainKey));

AnsiConsole.WriteLine();
AnsiConsole.Write(new Rule("[bold]Audit trail[/]").LeftJustified());
AnsiConsole.MarkupLine("File: [bold]{0}[/]", Markup.Escape(auditPath));
// A request that called a deployment stored a write-ahead intent before each deployment it called, then its outcome.
var stored = File.ReadLines(auditPath).Select(AuditChain.FromJson).ToList();
var outcomes = stored.Count(r => r.Outcome != AuditOutcome.Intent);
AnsiConsole.MarkupLine("Records: {0} outcome(s) for {1} requests, after {2} write-ahead intent(s), each stored before its deployment was called. {3}",
    outcomes, results.Count, stored.Count - outcomes,
    verification.IsValid && verification.IntentsWithoutOutcome.Count == 0
        ? "[green]MAC chain verified under the chain key: intact, every intent followed by its outcome.[/]"
        : $"[red]{Markup.Escape(verification.ToString())}[/]");
AnsiConsole.MarkupLine(breaches.Count == 0
    ? "[green]Boundary held: every answer came from a deployment inside its workspace's region and promises.[/]"
    : $"[red]{breaches.Count} answer(s) came from outside their boundary.[/]");
AnsiConsole.MarkupLine("Verify it yourself: [bold]dotnet run --project src/Intercom.AiCompliance.Cli -- audit verify {0} --key-file {1}[/]", Markup.Escape(auditPath), Markup.Escape(keyPath));

AnsiConsole.MarkupLine(leaked.Count == 0
    ? "[green]Training gate held: only workspaces whose consent allows it were offered (anonymised) data.[/]"
    : $"[red]{leaked.Count} sample(s) reached the training sink without consent.[/]");

return verification.IsValid && verification.IntentsWithoutOutcome.Count == 0 && outcomes == results.Count && breaches.Count == 0 && leaked.Count == 0 ? 0 : 1;
