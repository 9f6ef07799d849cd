using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Intercom.AiCompliance.Privacy;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>
/// Personal-data detection over 64 KB of support-conversation text (the anonymisation benchmark's text), one thread.
/// "Every recognizer" is the default detector with a workspace context (company, domain, address) and participants, so
/// the structured scan, the customer references and the participant names all run. The MB/s column is 65,536
/// characters (64 KB of ASCII text) divided by the mean; Alloc/MB is the allocation per operation scaled to 1 MB.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class DetectionBenchmarks
{
    private readonly PersonalDataDetector _detector = PersonalDataDetector.Default;
    private readonly PersonalDataDetector _structuredOnly = new([new StructuredDataRecognizer()]);
    private string _text = null!;
    private RecognitionContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        _text = AnonymizationBenchmarks.Conversation(64 * 1024);
        _context = AnonymizationBenchmarks.Context;
    }

    [Benchmark(Baseline = true, Description = "Detect, every recognizer, 64 KB")]
    public int DetectEveryRecognizer() => _detector.Detect(_text, _context).Count;

    [Benchmark(Description = "Detect, structured identifiers only, 64 KB")]
    public int DetectStructured() => _structuredOnly.Detect(_text, RecognitionContext.Empty).Count;

    /// <summary>Adds MB/s and allocation per MB for benchmarks over <see cref="Bytes"/> characters.</summary>
    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig()
        {
            AddColumn(new Throughput(), new AllocationPerMegabyte());
        }
    }

    internal const double Megabytes = 64.0 / 1024;

    private sealed class Throughput : IColumn
    {
        public string Id => "MBps";

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Megabytes of text (64 KB per operation) detected per second on one thread";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return mean is > 0 ? (Megabytes / (mean.Value / 1e9)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-";
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }

    private sealed class AllocationPerMegabyte : IColumn
    {
        public string Id => "AllocPerMB";

        public string ColumnName => "Alloc/MB";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 1;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Bytes allocated per megabyte of text";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report is null)
            {
                return "-";
            }

            var bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
            return bytes is null ? "-" : $"{bytes.Value / Megabytes / 1024:0} KB";
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
