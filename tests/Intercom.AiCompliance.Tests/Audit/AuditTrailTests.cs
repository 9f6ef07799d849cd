using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Audit;

/// <summary>The trail answers every request in bounded time, never builds on a head it cannot verify, and keeps one chain.</summary>
public class AuditTrailTests
{
    /// <summary>A real-time bound on every await in these tests, so a regression fails instead of hanging.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private static AuditRecord Record(int i) => AuditRecords.Make(i);

    private static AuditTrailOptions Options(TimeSpan? write = null, TimeSpan? shutdown = null) => new()
    {
        ChainKey = AuditKeys.Chain,
        WriteTimeout = write ?? TimeSpan.FromSeconds(5),
        ShutdownTimeout = shutdown ?? TimeSpan.FromSeconds(10),
    };

    [Test]
    public async Task AppendAsync_SinkNeverCompletes_FailsTimedOutWhenTheWriteTimeoutPasses()
    {
        var clock = new FakeTimeProvider();
        var sink = new HeldSink { Holding = true };
        var trail = new AuditTrail(sink, Options(write: TimeSpan.FromSeconds(5)), clock);

        var append = trail.AppendAsync(Record(1)).AsTask();
        clock.Advance(TimeSpan.FromSeconds(4));
        append.IsCompleted.Should().BeFalse("the write timeout has not passed");
        clock.Advance(TimeSpan.FromSeconds(1));

        var error = (await FluentActions.Awaiting(() => append.WaitAsync(Limit)).Should().ThrowAsync<AuditWriteException>()).Which;
        error.Failure.Should().Be(AuditWriteFailure.TimedOut);
        error.MayHaveBeenStored.Should().BeTrue("the write holding it is still running");

        sink.Release();
        await trail.DisposeAsync().AsTask().WaitAsync(Limit);
    }

    [Test]
    public async Task AppendAsync_WhileATimedOutWriteIsStillRunning_FailsAtOnce_ThenContinuesFromWhatItStored()
    {
        var clock = new FakeTimeProvider();
        var sink = new HeldSink { Holding = true };
        var trail = new AuditTrail(sink, Options(), clock);
        var first = trail.AppendAsync(Record(1)).AsTask();
        clock.Advance(TimeSpan.FromSeconds(5));
        await FluentActions.Awaiting(() => first.WaitAsync(Limit)).Should().ThrowAsync<AuditWriteException>();

        // No second call is started while the first still runs: the request fails now, not after another timeout.
        var second = trail.AppendAsync(Record(2)).AsTask();
        (await FluentActions.Awaiting(() => second.WaitAsync(Limit)).Should().ThrowAsync<AuditWriteException>())
            .Which.Failure.Should().Be(AuditWriteFailure.SinkStuck);
        sink.Calls.Should().Be(1);

        // The stuck write finally lands: record 1 is stored after all, and the chain goes on from it.
        sink.Release();
        await Wait.Until(() => sink.Records.Count == 1, "the held write stored its record");
        var third = await trail.AppendAsync(Record(3)).AsTask().WaitAsync(Limit);

        third.Sequence.Should().Be(2);
        third.PreviousMac.Should().Be(sink.Records[0].Mac);
        trail.Verify(sink.Records).IsValid.Should().BeTrue();
        await trail.DisposeAsync().AsTask().WaitAsync(Limit);
    }

    [Test]
    public async Task DisposeAsync_SinkNeverCompletes_GivesUpAfterTheShutdownTimeout_FailingQueuedRecords()
    {
        var clock = new FakeTimeProvider();
        var sink = new HeldSink { Holding = true };
        var trail = new AuditTrail(sink, Options(write: TimeSpan.FromMinutes(10), shutdown: TimeSpan.FromSeconds(2)), clock);
        var held = trail.AppendAsync(Record(1)).AsTask();
        var queued = trail.AppendAsync(Record(2)).AsTask();

        var dispose = trail.DisposeAsync().AsTask();
        dispose.IsCompleted.Should().BeFalse("it waits for the queued records, up to the shutdown timeout");
        clock.Advance(TimeSpan.FromSeconds(2));
        await dispose.WaitAsync(Limit);

        (await FluentActions.Awaiting(() => queued.WaitAsync(Limit)).Should().ThrowAsync<AuditWriteException>())
            .Which.Failure.Should().Be(AuditWriteFailure.ShutDown);
        await FluentActions.Awaiting(() => trail.AppendAsync(Record(3)).AsTask()).Should().ThrowAsync<AuditWriteException>();
        sink.Disposed.Should().BeFalse("the sink is not closed under a call that is still running");

        sink.Release();
        await Wait.Until(() => sink.Disposed, "the sink is closed once its last call ends");
        clock.Advance(TimeSpan.FromMinutes(10));
        (await held.WaitAsync(Limit)).Sequence.Should().Be(1);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task DisposeAsync_SinkDisposeBlocks_AbandonsTheCloseAfterTheShutdownTimeout()
    {
        var clock = new FakeTimeProvider();
        using var sink = new BlockingDisposeSink();
        var trail = new AuditTrail(sink, Options(shutdown: TimeSpan.FromSeconds(2)), clock);
        (await trail.AppendAsync(Record(1)).AsTask().WaitAsync(Limit)).Sequence.Should().Be(1);

        var dispose = Task.Run(() => trail.DisposeAsync().AsTask()); // a blocking close must not block the test's thread
        await Wait.Until(() => sink.DisposeEntered, "the trail starts closing its sink");
        dispose.IsCompleted.Should().BeFalse("it waits for the sink's close, up to the shutdown timeout");

        // The trail arms its timer just after starting the close: advance until it has seen the timeout pass.
        await Wait.Until(() => { clock.Advance(TimeSpan.FromSeconds(2)); return dispose.IsCompleted; }, "disposing ends once the shutdown timeout passes");
        await dispose.WaitAsync(Limit);
        sink.DisposeReturned.Should().BeFalse("the hung close was abandoned, not waited for");
        sink.Unblock();
        await Wait.Until(() => sink.DisposeReturned, "the abandoned close goes on in the background");
    }

    [Test]
    public async Task DisposeAsync_HealthySink_StoresEverythingQueuedAndClosesTheSink()
    {
        var sink = new HeldSink();
        var trail = new AuditTrail(sink, Options());
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => trail.AppendAsync(Record(i)).AsTask()));

        await trail.DisposeAsync().AsTask().WaitAsync(Limit);
        await trail.DisposeAsync().AsTask().WaitAsync(Limit);

        sink.Records.Should().HaveCount(50);
        sink.Disposed.Should().BeTrue();
        trail.Verify(sink.Records).IsValid.Should().BeTrue();
    }

    [Test]
    public async Task AppendAsync_SinkStoredTheBatchThenThrew_NextRecordLinksToWhatWasStored()
    {
        // The sink stored the records and then failed (say, on its flush): the trail must read the head back rather
        // than link the next record to the head it had before the failed write.
        var sink = new HeldSink { StoreThenThrow = 1 };
        await using var trail = new AuditTrail(sink, Options());

        (await FluentActions.Awaiting(() => trail.AppendAsync(Record(1)).AsTask()).Should().ThrowAsync<AuditWriteException>())
            .Which.MayHaveBeenStored.Should().BeTrue("the sink threw during the write: it may have stored part or all of it");
        var next = await trail.AppendAsync(Record(2));

        sink.Records.Should().HaveCount(2);
        next.Sequence.Should().Be(2);
        next.PreviousMac.Should().Be(sink.Records[0].Mac);
        trail.Verify(sink.Records).IsValid.Should().BeTrue();
    }

    [Test]
    public async Task AppendAsync_SinkExceptionQuotesContent_TheAuditErrorKeepsOnlyTypeAndCode()
    {
        var sink = new HeldSink { Throw = new IOException("disk full while writing 'my password is hunter2'") { HResult = 28 } };
        await using var trail = new AuditTrail(sink, Options());

        var error = (await FluentActions.Awaiting(() => trail.AppendAsync(Record(1)).AsTask()).Should().ThrowAsync<AuditWriteException>()).Which;

        error.InnerException.Should().BeNull();
        error.ToString().Should().NotContain("hunter2").And.NotContain("disk full");
        error.Failure.Should().Be(AuditWriteFailure.SinkFailed);
        error.SinkErrorType.Should().Be("System.IO.IOException");
        error.SinkErrorCode.Should().Be(28);
        error.Message.Should().Contain(nameof(HeldSink)).And.Contain("System.IO.IOException");
    }

    [Test]
    public async Task AppendAsync_CallerCancelsWhileQueued_RecordIsWithdrawnNotStoredLater()
    {
        var sink = new HeldSink { Holding = true };
        var trail = new AuditTrail(sink, Options(write: TimeSpan.FromMinutes(10)));
        var held = trail.AppendAsync(Record(1)).AsTask();
        using var cts = new CancellationTokenSource();
        var queued = trail.AppendAsync(Record(2), cts.Token).AsTask();

        await cts.CancelAsync();
        await FluentActions.Awaiting(() => queued.WaitAsync(Limit)).Should().ThrowAsync<OperationCanceledException>();
        sink.Release();
        await held.WaitAsync(Limit);
        await trail.AppendAsync(Record(3)).AsTask().WaitAsync(Limit);
        await trail.DisposeAsync().AsTask().WaitAsync(Limit);

        sink.Records.Select(r => r.EventId).Should().Equal("e1", "e3");
    }

    [Test]
    public void Constructor_DurableSinkWithoutAChainKey_ThrowsNamingTheKey()
    {
        FluentActions.Invoking(() => new AuditTrail(new HeldSink()))
            .Should().Throw<ArgumentException>().WithMessage("*AiCompliance:Audit:ChainKey*");
    }

    [Test]
    public async Task Constructor_InMemorySinkWithoutAKey_SealsWithARandomKeyNobodyElseHolds()
    {
        var sink = new InMemoryAuditSink();
        await using var trail = new AuditTrail(sink);
        await using var other = new AuditTrail(new InMemoryAuditSink());
        var stored = await trail.AppendAsync(Record(1));

        stored.KeyId.Should().Be(trail.ChainKeyId).And.NotBe(other.ChainKeyId).And.NotBe(AuditKeys.Chain.Id);
        trail.Verify(sink.Records).IsValid.Should().BeTrue();
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(601)]
    public void Constructor_WriteTimeoutOutOfRange_ThrowsNamingTheSetting(int seconds)
    {
        FluentActions.Invoking(() => new AuditTrail(new InMemoryAuditSink(), Options(write: TimeSpan.FromSeconds(seconds))))
            .Should().Throw<ArgumentException>().WithMessage("*AiCompliance:Audit:WriteTimeout*");
    }

    [Test]
    public async Task AppendAsync_StoredHeadSealedWithAnUnknownKey_FailsClosedUntilTheKeyIsListedAsRetired()
    {
        var earlier = new InMemoryAuditSink();
        await using (var before = new AuditTrail(earlier, new AuditTrailOptions { ChainKey = AuditKeys.Other }))
        {
            await before.AppendAsync(Record(1));
        }

        var sink = new HeldSink(earlier.Records);
        await using (var wrongKey = new AuditTrail(sink, Options()))
        {
            var error = (await FluentActions.Awaiting(() => wrongKey.AppendAsync(Record(2)).AsTask()).Should().ThrowAsync<AuditWriteException>()).Which;
            error.Failure.Should().Be(AuditWriteFailure.ChainHeadInvalid);
            error.Message.Should().Contain(AuditKeys.Other.Id).And.Contain("AiCompliance:Audit:RetiredChainKeys");
            sink.Records.Should().HaveCount(1, "nothing is built on a head the trail cannot verify");
        }

        var rotated = Options();
        rotated.RetiredChainKeys.Add(AuditKeys.Other);
        await using var trail = new AuditTrail(new HeldSink(sink.Records), rotated);
        var next = await trail.AppendAsync(Record(2));
        next.Should().Match<AuditRecord>(r => r.Sequence == 2 && r.KeyId == AuditKeys.Chain.Id && r.PreviousMac == earlier.Records[0].Mac);
    }

    [TestCase(false, TestName = "AppendAsync_KeyRotationRolledBack_RefusesNamingTheKeyAndStoresNothing(in memory)")]
    [TestCase(true, TestName = "AppendAsync_KeyRotationRolledBack_RefusesNamingTheKeyAndStoresNothing(JSON Lines file)")]
    public async Task AppendAsync_KeyRotationRolledBack_RefusesNamingTheKeyAndStoresNothing(bool file)
    {
        // Chain, then a rotation to Other; then someone rolls it back: Chain current again, Other retired. The last record
        // verifies under a listed key, but records sealed now with Chain would be rejected (keys only move forward).
        var path = Path.Combine(Path.GetTempPath(), $"aicompliance-rollback-{Guid.NewGuid():N}.jsonl");
        var memory = new InMemoryAuditSink();
        IAuditSink Sink() => file ? new JsonLinesAuditSink(path, flushToDisk: false) : memory;
        try
        {
            await using (var first = new AuditTrail(Sink(), Options()))
            {
                await first.AppendAsync(Record(1));
            }

            var rotated = new AuditTrailOptions { ChainKey = AuditKeys.Other };
            rotated.RetiredChainKeys.Add(AuditKeys.Chain);
            await using (var second = new AuditTrail(Sink(), rotated))
            {
                await second.AppendAsync(Record(2));
            }

            var rolledBack = Options();
            rolledBack.RetiredChainKeys.Add(AuditKeys.Other);
            await using (var third = new AuditTrail(Sink(), rolledBack))
            {
                var error = (await FluentActions.Awaiting(() => third.AppendAsync(Record(3)).AsTask()).Should().ThrowAsync<AuditWriteException>()).Which;
                error.Failure.Should().Be(AuditWriteFailure.ChainHeadInvalid);
                error.Message.Should().Contain("AiCompliance:Audit:ChainKey").And.Contain(AuditKeys.Chain.Id).And.Contain("rolled back");
            }

            var keys = new[] { AuditKeys.Chain, AuditKeys.Other };
            var result = file ? AuditChainVerifier.VerifyFile(path, keys) : AuditChainVerifier.Verify(memory.Records, keys);
            result.Should().Match<AuditVerificationResult>(r => r.IsValid && r.RecordCount == 2, "nothing the verifier would reject was appended");

            // Continuing under the key the chain moved on to still works.
            await using var fixedTrail = new AuditTrail(Sink(), rotated);
            (await fixedTrail.AppendAsync(Record(3))).Sequence.Should().Be(3);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".lock");
        }
    }

    [Test]
    public async Task AppendAsync_InMemorySinkFull_FailsClosedAndKeepsWhatItHeld()
    {
        var sink = new InMemoryAuditSink(capacity: 2);
        await using var trail = new AuditTrail(sink, Options());
        await trail.AppendAsync(Record(1));
        await trail.AppendAsync(Record(2));

        var error = (await FluentActions.Awaiting(() => trail.AppendAsync(Record(3)).AsTask()).Should().ThrowAsync<AuditWriteException>()).Which;

        error.Message.Should().Contain("full").And.Contain("2");
        sink.Records.Select(r => r.EventId).Should().Equal(["e1", "e2"], "evidence is never dropped to make room");
        trail.Verify(sink.Records).IsValid.Should().BeTrue();
    }

    [Test]
    public async Task AppendAsync_StoredHeadWasEdited_FailsClosed()
    {
        var earlier = new InMemoryAuditSink();
        await using (var before = new AuditTrail(earlier, Options()))
        {
            await before.AppendAsync(Record(1));
        }

        var edited = earlier.Records[0] with { Outcome = AuditOutcome.RequestRefused };
        await using var trail = new AuditTrail(new HeldSink([edited]), Options());

        var error = (await FluentActions.Awaiting(() => trail.AppendAsync(Record(2)).AsTask()).Should().ThrowAsync<AuditWriteException>()).Which;
        error.Failure.Should().Be(AuditWriteFailure.ChainHeadInvalid);
        error.Message.Should().Contain("edited");
    }

    /// <summary>An in-memory sink that can hold writes until released, fail after storing, or throw.</summary>
    /// <summary>Stores records at once; its synchronous Dispose blocks its thread until released.</summary>
    private sealed class BlockingDisposeSink : IAuditSink, IDisposable
    {
        private readonly InMemoryAuditSink _inner = new();
        private readonly ManualResetEventSlim _release = new();
        private volatile bool _entered;
        private volatile bool _returned;

        public bool DisposeEntered => _entered;

        public bool DisposeReturned => _returned;

        public void Unblock() => _release.Set();

        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => _inner.ReadHeadAsync(cancellationToken);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default) => _inner.WriteAsync(records, cancellationToken);

        public void Dispose()
        {
            if (_entered)
            {
                _release.Set();
                return;
            }

            _entered = true;
            _release.Wait();
            _returned = true;
        }
    }

    private sealed class HeldSink(IEnumerable<AuditRecord>? existing = null) : IAuditSink, IDisposable
    {
        private readonly List<AuditRecord> _records = [.. existing ?? []];
        private readonly TaskCompletionSource _gate = new();
        private int _calls;

        public bool Holding { get; set; }

        public int StoreThenThrow { get; set; }

        public Exception? Throw { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public bool Disposed { get; private set; }

        public IReadOnlyList<AuditRecord> Records
        {
            get
            {
                lock (_records)
                {
                    return _records.ToArray();
                }
            }
        }

        public void Release()
        {
            Holding = false;
            _gate.TrySetResult();
        }

        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default)
        {
            lock (_records)
            {
                return new(_records.Count == 0 ? AuditChainHead.Empty : AuditChainHead.After(_records[^1]));
            }
        }

        public async ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            if (Holding)
            {
                await _gate.Task;
            }

            if (Throw is not null)
            {
                throw Throw;
            }

            lock (_records)
            {
                _records.AddRange(records);
            }

            if (StoreThenThrow > 0)
            {
                StoreThenThrow--;
                throw new IOException("flush failed");
            }
        }

        public void Dispose() => Disposed = true;
    }
}
