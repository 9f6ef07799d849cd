using System.Diagnostics;
using System.Text;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Tests.Audit;

/// <summary>One writer per file, a torn last line set aside at start, and readers never locked out.</summary>
public class JsonLinesAuditSinkTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private string _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"aicompliance-sink-{Guid.NewGuid():N}");
        _path = Path.Combine(_dir, "audit.jsonl");
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static AuditRecord Record(int i) => AuditRecords.Make(i);

    private async Task WriteAsync(int from, int count, ILogger? logger = null, TimeProvider? clock = null)
    {
        await using var trail = new AuditTrail(new JsonLinesAuditSink(_path, false, logger, clock), AuditKeys.Options());
        for (var i = from; i < from + count; i++)
        {
            await trail.AppendAsync(Record(i)).AsTask().WaitAsync(Limit);
        }
    }

    [Test]
    public void Constructor_SecondSinkOnTheSameFileInThisProcess_FailsNamingTheFile()
    {
        using var first = new JsonLinesAuditSink(_path, false);

        var error = FluentActions.Invoking(() => new JsonLinesAuditSink(_path, false)).Should().Throw<IOException>().Which;

        error.Message.Should().Contain(_path).And.Contain("already being written").And.Contain("fork");
        first.Dispose();
        using var afterwards = new JsonLinesAuditSink(_path, false);
    }

    [Test]
    [Platform(Include = "Linux,MacOsX", Reason = "symbolic links need no privilege there")]
    public void Constructor_SameFileThroughASymbolicLinkToTheFile_FailsInsteadOfForkingTheChain()
    {
        using var first = new JsonLinesAuditSink(_path, false);
        var link = Path.Combine(_dir, "link.jsonl");
        File.CreateSymbolicLink(link, _path);

        FluentActions.Invoking(() => new JsonLinesAuditSink(link, false)).Should().Throw<IOException>()
            .Which.Message.Should().Contain("already being written");
    }

    [Test]
    [Platform(Include = "Linux,MacOsX", Reason = "uses mkfifo(1)")]
    [CancelAfter(60_000)]
    public async Task Constructor_FileIsANamedPipe_FailsNamingTheFile(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_dir);
        using (var mkfifo = Process.Start("mkfifo", [_path]))
        {
            await mkfifo.WaitForExitAsync(cancellationToken);
        }

        // Bytes written to a pipe are gone: nothing could read them back, so the sink must not take the path.
        FluentActions.Invoking(() => new JsonLinesAuditSink(_path, false)).Should().Throw<IOException>()
            .Which.Message.Should().Contain(_path).And.Contain("not a regular file");
        using var afterwards = File.OpenHandle(Path.Combine(_dir, "audit.jsonl.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
    }

    [Test]
    public async Task Constructor_TwoTrailsOnOneFile_TheSecondFailsAndTheChainDoesNotFork()
    {
        await using var first = new AuditTrail(new JsonLinesAuditSink(_path, false), AuditKeys.Options());
        await first.AppendAsync(Record(1));

        FluentActions.Invoking(() => new AuditTrail(new JsonLinesAuditSink(_path, false), AuditKeys.Options())).Should().Throw<IOException>();
        await first.AppendAsync(Record(2));

        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 2, null, null));
    }

    [Test]
    [Platform(Include = "Linux,MacOsX", Reason = "uses the flock(1) utility to hold the lock from another process")]
    public async Task Constructor_AnotherProcessHoldsEvenASharedLock_FailsNamingTheFile()
    {
        Directory.CreateDirectory(_dir);
        using var holder = StartFlock($"--shared \"{_path}.lock\" -c \"echo held; exec sleep 60\"", wait: false);
        try
        {
            (await holder.StandardOutput.ReadLineAsync().WaitAsync(Limit)).Should().Be("held");

            FluentActions.Invoking(() => new JsonLinesAuditSink(_path, false))
                .Should().Throw<IOException>().Which.Message.Should().Contain(_path);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync().WaitAsync(Limit);
        }
    }

    [Test]
    [Platform(Include = "Linux,MacOsX", Reason = "uses the flock(1) utility as the other process")]
    public async Task Constructor_WhileOpen_AnotherProcessCannotTakeTheWritersLock()
    {
        using (new JsonLinesAuditSink(_path, false))
        {
            // Not even a shared lock: the writer's lock is exclusive.
            using var shared = StartFlock($"--shared -n -E 75 \"{_path}.lock\" true", wait: true);
            shared.ExitCode.Should().Be(75, "the other process finds the lock held");
            using var exclusive = StartFlock($"-n -E 75 \"{_path}.lock\" true", wait: true);
            exclusive.ExitCode.Should().Be(75, "the other process finds the lock held");
        }

        using var afterwards = StartFlock($"-n -E 75 \"{_path}.lock\" true", wait: true);
        afterwards.ExitCode.Should().Be(0, "disposing the sink releases the lock");
        await Task.CompletedTask;
    }

    private static Process StartFlock(string arguments, bool wait)
    {
        if (!File.Exists("/usr/bin/flock") && !File.Exists("/bin/flock"))
        {
            // Never a silent skip: the lock test needs another process holding the lock, which flock(1) provides.
            Assert.Fail("flock(1) is not installed: install util-linux (Debian: apt-get install util-linux) to run the cross-process lock tests.");
        }

        var process = Process.Start(new ProcessStartInfo("flock", arguments) { RedirectStandardOutput = true, UseShellExecute = false })!;
        if (wait && !process.WaitForExit(Limit))
        {
            process.Kill();
            Assert.Fail("flock did not finish.");
        }

        return process;
    }

    [Test]
    public async Task Verify_WhileTheWriterIsOpen_ReadersAreNotLockedOut()
    {
        await using var trail = new AuditTrail(new JsonLinesAuditSink(_path, false), AuditKeys.Options());
        await trail.AppendAsync(Record(1));

        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).IsValid.Should().BeTrue();
        File.ReadAllLines(_path).Should().ContainSingle();
    }

    [Test]
    public async Task Constructor_TornLastLine_MovedAsideAsEvidence_ChainContinues_AndLaterStartsWork()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var logger = new ListLogger();
        await WriteAsync(1, 3);
        var whole = await File.ReadAllBytesAsync(_path);
        var torn = Encoding.ASCII.GetBytes("{\"sequence\":4,\"eventId\":\"e-crash\",\"workspace");
        await File.WriteAllBytesAsync(_path, [.. whole, .. torn]);

        await WriteAsync(4, 2, logger, clock);

        var tornPath = _path + ".torn-20260601T120000000Z";
        (await File.ReadAllBytesAsync(tornPath)).Should().Equal(torn, "the torn bytes are kept, unchanged, as evidence");
        (await File.ReadAllBytesAsync(_path))[..whole.Length].Should().Equal(whole);
        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 5, null, null));
        var warning = logger.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning).Which.Message;
        warning.Should().Contain(_path).And.Contain(tornPath).And.Contain($"{torn.Length} byte(s)").And.NotContain("e-crash");

        await WriteAsync(6, 1, logger, clock);
        Directory.GetFiles(_dir, "audit.jsonl.torn-*").Should().ContainSingle("a later start finds nothing torn");
        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).RecordCount.Should().Be(6);
    }

    [Test]
    public async Task Constructor_FileHoldsOnlyATornLine_StartsAFreshChain()
    {
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(_path, "{\"seque");

        await WriteAsync(1, 2);

        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 2, null, null));
        Directory.GetFiles(_dir, "audit.jsonl.torn-*").Should().ContainSingle();
    }

    [Test]
    public async Task WriteAsync_PartialLineAppearsUnderARunningSink_IsMovedAsideBeforeTheNextRecord()
    {
        await using var trail = new AuditTrail(new JsonLinesAuditSink(_path, false), AuditKeys.Options());
        await trail.AppendAsync(Record(1));
        await using (var other = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            await other.WriteAsync("{\"partial"u8.ToArray());
        }

        await trail.AppendAsync(Record(2));

        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 2, null, null));
        Directory.GetFiles(_dir, "audit.jsonl.torn-*").Should().ContainSingle();
    }

    [Test]
    public async Task ReadHeadAsync_WholeLastLineEdited_FailsClosedAndLeavesTheFileAlone()
    {
        await WriteAsync(1, 3);
        var lines = await File.ReadAllLinesAsync(_path);
        lines[^1] = lines[^1].Replace("\"outcome\":\"Succeeded\"", "\"outcome\": \"Succeeded\"", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(_path, lines);
        var before = await File.ReadAllBytesAsync(_path);

        var error = (await FluentActions.Awaiting(() => WriteAsync(4, 1)).Should().ThrowAsync<AuditWriteException>()).Which;

        error.Failure.Should().Be(AuditWriteFailure.ChainHeadInvalid);
        error.Message.Should().Contain(_path).And.Contain("edited");
        (await File.ReadAllBytesAsync(_path)).Should().Equal(before, "an edit is evidence, never repaired");
        Directory.GetFiles(_dir, "audit.jsonl.torn-*").Should().BeEmpty();
    }

    [Test]
    public async Task Start_RecordEditedInTheMiddle_IsNotRepaired_VerificationStillPointsAtIt()
    {
        await WriteAsync(1, 3);
        var lines = await File.ReadAllLinesAsync(_path);
        lines[1] = lines[1].Replace("\"workspaceId\":\"ws-1\"", "\"workspaceId\":\"ws-9\"", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(_path, lines);

        await WriteAsync(4, 1);

        (await File.ReadAllLinesAsync(_path))[1].Should().Be(lines[1]);
        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 2);
    }

    [Test]
    public async Task NewProcessOnTheSameFile_ContinuesTheChainUnderARotatedKey()
    {
        await WriteAsync(1, 2);
        var rotated = new AuditTrailOptions { ChainKey = AuditKeys.Other };
        rotated.RetiredChainKeys.Add(AuditKeys.Chain);
        await using (var trail = new AuditTrail(new JsonLinesAuditSink(_path, false), rotated))
        {
            (await trail.AppendAsync(Record(3))).Sequence.Should().Be(3);
        }

        AuditChainVerifier.VerifyFile(_path, [AuditKeys.Chain, AuditKeys.Other]).IsValid.Should().BeTrue();
    }

    [Test]
    public async Task WriteAsync_RecordsSealedElsewhere_StoredInTheFormTheirMacCovers()
    {
        // A host copying records from another sink into a file: the serialised form must be the sealed bytes.
        var memory = new InMemoryAuditSink();
        await using (var trail = new AuditTrail(memory, AuditKeys.Options()))
        {
            for (var i = 1; i <= 3; i++)
            {
                await trail.AppendAsync(Record(i) with { CorrelationId = i == 2 ? "c-\u00e9\"quoted\"" : null });
            }
        }

        using (var sink = new JsonLinesAuditSink(_path, false))
        {
            await sink.WriteAsync(memory.Records).AsTask().WaitAsync(Limit);
        }

        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 3, null, null));
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
