using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Usage:
//   dotnet run -c Release --project bench/Intercom.AiCompliance.Benchmarks              (every benchmark, short runs)
//   dotnet run -c Release --project bench/Intercom.AiCompliance.Benchmarks -- --filter *Plan*
//   dotnet run -c Release --project bench/Intercom.AiCompliance.Benchmarks -- --in-process --filter *SqliteAudit*  (no separate build)
//   dotnet run -c Release --project bench/Intercom.AiCompliance.Benchmarks -- --quick  (CI: proves each runs once; no timings judged)
//   dotnet run -c Release --project bench/Intercom.AiCompliance.Benchmarks -- --in-process --filter *PostgreSqlAudit*  (short runs, no separate build)
//   dotnet run -c Release --project bench/Intercom.AiCompliance.Benchmarks -- --profile-sqlite-audit [iterations]
//     (where the SQLite audit store's time goes per request, p50/p90/p99; see docs/benchmarks.md)
//   dotnet run -c Release --project bench/Intercom.AiCompliance.Benchmarks -- --evaluate-privacy [--urls every] [--iou 0.5] [--errors]
//     (detector quality on presidio-research's synthetic data set, read from ../shared/data/presidio-synth/; see docs/privacy.md)
if (args.Contains("--evaluate-privacy"))
{
    return Intercom.AiCompliance.Benchmarks.PrivacyEvaluation.Run(args);
}

if (args.Contains("--profile-sqlite-audit"))
{
    return Intercom.AiCompliance.Benchmarks.SqliteAuditProfile.Run(args);
}

var quick = args.Contains("--quick");

// --in-process: the short job in this process, without generating and building a separate project (whose build can
// outlast BenchmarkDotNet's two-minute build timeout on a loaded machine).
var inProcess = args.Contains("--in-process");
var rest = args.Where(a => a is not ("--quick" or "--in-process")).ToArray();
IConfig config = quick
    ? ManualConfig.CreateMinimumViable()
        .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("quick"))
        .WithOptions(ConfigOptions.DisableOptimizationsValidator)
    : inProcess
        ? DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("short-inprocess"))
        : DefaultConfig.Instance.AddJob(Job.ShortRun.WithId("short"));
if (rest.Length == 0)
{
    rest = ["--filter", "*"];
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Intercom.AiCompliance.Benchmarks.Fixtures).Assembly).Run(rest, config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
