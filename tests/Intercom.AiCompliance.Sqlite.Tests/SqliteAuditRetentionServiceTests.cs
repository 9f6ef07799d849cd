using System.Collections.Concurrent;
using System.Threading.Channels;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Sqlite.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Sqlite.Tests;

/// <summary>The scheduled retention job on a real database file and a fake clock.</summary>
[CancelAfter(60_000)]
public class SqliteAuditRetentionServiceTests
{
    private TempFolder _temp = null!;
    private FakeTimeProvider _clock = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();

        // Record i is stamped i seconds after 12:00:00; at 12:01:40 "older than 90 s" is records 1..9.
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 1, 40, TimeSpan.Zero));
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private string Db => _temp.File("store.db");

    private string Exports => _temp.File("exports");

    private static async Task AppendAsync(SqliteStore store, IEnumerable<AuditRecord> records, CancellationToken ct)
    {
        await using var trail = new AuditTrail(new SqliteAuditSink(store), AuditKeys.Options());
        foreach (var r in records)
        {
            await trail.AppendAsync(r, ct);
        }
    }

    private SqliteAuditRetentionService Job(IAuditRetention retention, ILogger<SqliteAuditRetentionService>? logger = null) =>
        new(retention, new SqliteRetentionOptions { MaxAge = TimeSpan.FromSeconds(90), ExportFolder = Exports, Interval = TimeSpan.FromSeconds(10) }, _clock, logger);

    private static Channel<AuditRetentionResult?> Runs(SqliteAuditRetentionService job)
    {
        var runs = Channel.CreateUnbounded<AuditRetentionResult?>();
        job.RunCompleted += r => runs.Writer.TryWrite(r);
        return runs;
    }

    [Test]
    public async Task ExecuteAsync_ConfiguredAge_ExportsAndPrunesAtStartAndOnEachIntervalOfTheInjectedClock(CancellationToken ct)
    {
        using var store = SqliteStore.Open(Db);
        await AppendAsync(store, Enumerable.Range(1, 20).Select(AuditRecords.Make), ct);
        using var job = Job(new SqliteAuditRetention(store, AuditKeys.Chain, timeProvider: _clock));
        var runs = Runs(job);

        await job.StartAsync(ct);
        var first = (await runs.Reader.ReadAsync(ct))!;

        first.Should().NotBeNull();
        first!.Should().Match<AuditRetentionResult>(r => r.ExportedRecords == 9 && r.ThroughSequence == 9 && r.Pruned);
        Path.GetDirectoryName(first.Destination).Should().Be(Exports);
        AuditChainVerifier.VerifyFile(first.Destination!, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 9, null, null), "the export verifies on its own");
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 11, null, null) { CheckpointSequence = 9 }, "what remains verifies from the checkpoint");

        // No second run before the interval has passed on the injected clock.
        runs.Reader.TryRead(out _).Should().BeFalse();
        _clock.Advance(TimeSpan.FromSeconds(10));
        var second = (await runs.Reader.ReadAsync(ct))!;

        // At 12:01:50 records 1..19 are older than 90 s; the newest (20) stays, the chain continues from it.
        second.Should().NotBeNull();
        second!.Should().Match<AuditRetentionResult>(r => r.ExportedRecords == 10 && r.ThroughSequence == 19 && r.Pruned);
        second.Destination.Should().NotBe(first.Destination, "an export never overwrites an earlier one");
        AuditChainVerifier.VerifyFile(second.Destination!, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 10, null, null) { CheckpointSequence = 9 });
        SqliteAuditVerifier.Verify(Db, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 1, null, null) { CheckpointSequence = 19 });
        AuditChainVerifier.VerifyFile(first.Destination!, AuditKeys.Chain).IsValid.Should().BeTrue("the first export is left as it was");

        await job.StopAsync(ct);
    }

    [Test]
    public async Task ExecuteAsync_RetentionFails_LogsTheErrorTypeOnlyAndRunsAgainAtTheNextInterval(CancellationToken ct)
    {
        var retention = new FailingRetention();
        var logger = new CapturingLogger();
        using var job = Job(retention, logger);
        var runs = Runs(job);

        await job.StartAsync(ct);
        (await runs.Reader.ReadAsync(ct)).Should().BeNull("the run failed");
        _clock.Advance(TimeSpan.FromSeconds(10));
        (await runs.Reader.ReadAsync(ct)).Should().BeNull();

        retention.Calls.Should().Be(2, "a failed run does not stop the job");
        job.ExecuteTask!.IsCompleted.Should().BeFalse("the job keeps running; a failure never reaches the host");
        logger.Lines.Should().HaveCount(2).And.AllSatisfy(l =>
        {
            l.Should().Contain(typeof(InvalidOperationException).FullName);
            l.Should().NotContain(FailingRetention.Secret, "nothing from the exception's message is logged");
        });
        await job.StopAsync(ct);
    }

    private sealed class FailingRetention : IAuditRetention
    {
        public const string Secret = "patient-name-in-a-message";
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<AuditRetentionResult> ExportAsync(TimeSpan olderThan, string destination, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<AuditRetentionResult> ExportAndPruneAsync(TimeSpan olderThan, string destination, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromException<AuditRetentionResult>(new InvalidOperationException(Secret, new IOException(Secret)));
        }
    }

    private sealed class CapturingLogger : ILogger<SqliteAuditRetentionService>
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " " + exception));
    }
}
