using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// Links audit records into one chain sealed with a keyed MAC, hands them to the sink, and tells every request, in
/// bounded time, whether its record was stored.
/// </summary>
/// <remarks>
/// Request threads never wait on a lock. Each request enqueues its record and, if no request is writing at that
/// moment, becomes the writer itself (flat combining): it drains whatever has queued, links and seals the batch in
/// order, writes it to the sink in one call (group commit) and completes every waiter in it. A request that finds a
/// writer at work simply awaits its own completion. Without contention a record is linked and stored on the caller's
/// own thread, with no hop; under load one sink write serves many requests.
/// <para>
/// Every wait is bounded by <see cref="AuditTrailOptions.WriteTimeout"/>: a request whose record is not stored in
/// time gets an <see cref="AuditWriteException"/>, and a sink call that outlives the timeout makes later batches fail
/// at once (no second call is started while one is still running) until it ends; the chain then continues from what
/// the sink actually stored. Disposing waits at most <see cref="AuditTrailOptions.ShutdownTimeout"/>.
/// </para>
/// </remarks>
public sealed class AuditTrail : IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 512;
    private readonly IAuditSink _sink;
    private readonly IAuditLineSink? _lineSink;
    private readonly AuditChainKey _key;
    private readonly AuditChainKey[] _keys;
    private readonly TimeSpan _writeTimeout;
    private readonly TimeSpan _shutdownTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lazy<Task> _disposal;

    // Touched only by the thread holding the writer role (_writing == 1).
    private readonly ArrayBufferWriter<byte> _scratch = new(2048);
    private readonly ArrayBufferWriter<byte> _lines = new(4096);
    private readonly System.Text.Json.Utf8JsonWriter _json = new(Stream.Null);
    private AuditChainHead? _head;
    private Task? _unfinished;

    private Task? _sinkCall;
    private int _writing;
    private volatile bool _closed;
    private volatile int _lastWriteFailure;

    /// <summary>Creates the trail. It owns <paramref name="sink"/>: disposing the trail disposes the sink.</summary>
    /// <param name="sink">Where records go.</param>
    /// <param name="options">The chain key and timeouts; the defaults suit only an <see cref="InMemoryAuditSink"/>.</param>
    /// <param name="timeProvider">The clock for timeouts; default the system clock.</param>
    /// <param name="logger">Logs timeouts and an unusable chain head (never content or keys).</param>
    /// <exception cref="ArgumentException">A sink other than <see cref="InMemoryAuditSink"/> without a chain key, or a timeout out of range.</exception>
    public AuditTrail(IAuditSink sink, AuditTrailOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        options ??= new AuditTrailOptions();
        if (options.ChainKey is null && sink is not InMemoryAuditSink)
        {
            throw new ArgumentException(
                $"An audit trail over {sink.GetType().Name} needs a chain key: set AiCompliance:Audit:ChainKey (32 or more random bytes, base64-encoded) " +
                "or AuditTrailOptions.ChainKey. Only the in-memory sink may use a random per-process key: records sealed with it cannot be verified once the process ends.",
                nameof(options));
        }

        _writeTimeout = CheckTimeout(options.WriteTimeout, "AiCompliance:Audit:WriteTimeout", allowZero: false);
        _shutdownTimeout = CheckTimeout(options.ShutdownTimeout, "AiCompliance:Audit:ShutdownTimeout", allowZero: true);
        _sink = sink;
        _lineSink = sink as IAuditLineSink;
        _key = options.ChainKey ?? AuditChainKey.CreateEphemeral();
        _keys = [_key, .. options.RetiredChainKeys.Where(k => k is not null && k.Id != _key.Id)];
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _disposal = new Lazy<Task>(DisposeCoreAsync);
    }

    private AuditTrail()
        : this(new InMemoryAuditSink())
    {
        IsDiscarding = true;
    }

    /// <summary>
    /// A trail that records nothing: only for benchmarks that measure the router without its audit cost. Never
    /// exposed publicly, because every real request must be audited.
    /// </summary>
    internal static AuditTrail Discarding() => new();

    internal bool IsDiscarding { get; }

    /// <summary>The sink records go to.</summary>
    public IAuditSink Sink => _sink;

    /// <summary>The id of the key new records are sealed with (never the key itself).</summary>
    public string ChainKeyId => _key.Id;

    /// <summary>Whether the trail is shut down (disposed or shutting down): it stores no more records.</summary>
    public bool IsShutDown => _closed;

    /// <summary>
    /// Why the most recent write failed, or <see langword="null"/> when the most recent write stored its records (or
    /// none was attempted yet). For health checks: it holds only the failure kind, never the sink's exception.
    /// </summary>
    public AuditWriteFailure? LastWriteFailure => _lastWriteFailure is var f and not 0 ? (AuditWriteFailure)f : null;

    /// <summary>Links <paramref name="record"/> into the chain, seals it and waits until the sink has stored it.</summary>
    /// <param name="record">The record; its sequence, key id and MACs are set by the trail.</param>
    /// <param name="cancellationToken">
    /// Stops waiting (the record is withdrawn if no write holds it yet). The router passes none: a cancelled request
    /// is audited too.
    /// </param>
    /// <returns>The record as stored, with sequence, key id and MACs.</returns>
    /// <exception cref="AuditWriteException">
    /// The record was not stored within the write timeout: the sink failed, timed out or is stuck, the stored chain
    /// head does not verify, or the trail is shut down. See <see cref="AuditWriteException.Failure"/>.
    /// </exception>
    public async ValueTask<AuditRecord> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_closed)
        {
            throw new AuditWriteException("The audit trail is shut down; the record was not stored.", AuditWriteFailure.ShutDown);
        }

        var pending = new Pending(record);
        _queue.Enqueue(pending);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            // Runs on this thread until the sink first yields; a synchronous sink has stored the record on return.
            _ = DrainAsync(pending);
        }

        var completion = pending.Completion.Task;
        if (!completion.IsCompleted)
        {
            try
            {
                await completion.WaitAsync(_writeTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Not handled in time: withdraw the record if no write holds it yet, so it is never stored late. If
                // the writer answered at this very moment, its answer (stored, or its own failure) stands.
                var withdrawn = pending.TryAbandon();
                if (withdrawn || !completion.IsCompleted)
                {
                    throw new AuditWriteException(
                        withdrawn
                            ? $"The audit sink {SinkName} did not store the record within {_writeTimeout}; it was withdrawn and will not be stored."
                            : $"The audit sink {SinkName} did not store the record within {_writeTimeout}; the write holding it is still running, so it may yet be stored.",
                        AuditWriteFailure.TimedOut,
                        mayHaveBeenStored: !withdrawn);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (pending.TryAbandon() || !completion.IsCompleted)
                {
                    throw;
                }
            }
        }

        return await completion.ConfigureAwait(false) ?? throw new InvalidOperationException("A record completed without its stored form.");
    }

    /// <summary>
    /// Verifies records of this trail's chain (for example an <see cref="InMemoryAuditSink"/>'s) under its keys,
    /// including a random per-process key that nobody else holds.
    /// </summary>
    public AuditVerificationResult Verify(IEnumerable<AuditRecord> records) => AuditChainVerifier.Verify(records, _keys);

    /// <summary>
    /// Stops accepting records, waits (at most the shutdown timeout, without spinning) for the queued ones to be
    /// stored, fails any left, then disposes the sink once no call of the trail is running in it. The whole wait,
    /// closing the sink included, is bounded by the shutdown timeout: a sink whose own dispose hangs is abandoned with
    /// a warning log (its close goes on in the background), and a sink still inside a call is closed when the call ends.
    /// </summary>
    public ValueTask DisposeAsync() => new(_disposal.Value);

    /// <summary>Stops accepting records and blocks, at most the shutdown timeout, until the queued ones are written.</summary>
    public void Dispose() => _disposal.Value.GetAwaiter().GetResult();

    private string SinkName => _sink.GetType().Name;

    private static TimeSpan CheckTimeout(TimeSpan value, string key, bool allowZero) =>
        (allowZero ? value >= TimeSpan.Zero : value > TimeSpan.Zero) && value <= AuditTrailOptions.MaxTimeout
            ? value
            : throw new ArgumentException($"{key} is {value}: use a duration {(allowZero ? "from 0" : "above 0")} up to {AuditTrailOptions.MaxTimeout}.");

    private async Task DisposeCoreAsync()
    {
        var started = _time.GetTimestamp();
        _closed = true;

        // A barrier: completed by the writer once everything queued before it has been handled.
        var barrier = new Pending(null);
        _queue.Enqueue(barrier);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            _ = DrainAsync(barrier);
        }

        try
        {
            await barrier.Completion.Task.WaitAsync(_shutdownTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _shutdown.CancelAsync().ConfigureAwait(false);
            var left = 0;
            while (_queue.TryDequeue(out var p))
            {
                if (p.Record is null)
                {
                    p.Completion.TrySetResult(null);
                }
                else if (p.TryClaim())
                {
                    left++;
                    p.Completion.TrySetException(new AuditWriteException(
                        $"The audit trail shut down after waiting {_shutdownTimeout} for its sink {SinkName}; the record was not stored.", AuditWriteFailure.ShutDown));
                }
            }

            AuditLog.ShutdownGaveUp(_logger, _shutdownTimeout, left);
        }

        // Close the sink only once no call of ours is running in it; a stuck call closes it when it ends.
        if (Volatile.Read(ref _sinkCall) is { IsCompleted: false } running)
        {
            _ = running.ContinueWith(_ => CloseSinkAsync(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
        else
        {
            // On the thread pool: a sink's Dispose may block (a file write stuck under its lock), and a blocked thread
            // cannot be timed out. What is left of the shutdown timeout bounds the wait; past it the close is
            // abandoned (it goes on in the background) so that disposing the trail, and the host, still ends.
            var close = Task.Run(CloseSinkAsync);
            var left = _shutdownTimeout - _time.GetElapsedTime(started);
            try
            {
                await close.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                AuditLog.SinkCloseAbandoned(_logger, SinkName, _shutdownTimeout);
            }
        }
    }

    private async Task CloseSinkAsync()
    {
        try
        {
            if (_sink is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else if (_sink is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
#pragma warning disable CA1031 // Closing must not throw out of Dispose; the failure is logged by type.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            AuditLog.SinkCloseFailed(_logger, SinkName, ex.GetType().FullName ?? ex.GetType().Name);
        }
        finally
        {
            _shutdown.Dispose();
            _json.Dispose();
        }
    }

    /// <summary>
    /// Runs while holding the writer role: writes batches until <paramref name="own"/> is handled (or the queue is
    /// empty), then gives the role up and, if more records arrived, hands the rest to the thread pool. Never throws.
    /// </summary>
    private async Task DrainAsync(Pending? own)
    {
        try
        {
            while (!_queue.IsEmpty)
            {
                await WriteBatchAsync().ConfigureAwait(false);
                if (own is not null && own.Completion.Task.IsCompleted)
                {
                    break;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }

        // A record enqueued after the last batch must not wait for the next request: pick it up now.
        if (!_queue.IsEmpty && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            _ = Task.Run(() => DrainAsync(null));
        }
    }

    private async Task WriteBatchAsync()
    {
        var batch = new List<Pending>(Math.Min(_queue.Count, MaxBatch));
        List<Pending>? barriers = null;
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var p))
        {
            if (p.Record is null)
            {
                (barriers ??= []).Add(p);
            }
            else if (p.TryClaim())
            {
                batch.Add(p);
            }
        }

        try
        {
            if (batch.Count > 0)
            {
                await StoreAsync(batch).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var b in barriers ?? [])
            {
                b.Completion.TrySetResult(null);
            }
        }
    }

    private async Task StoreAsync(List<Pending> batch)
    {
        var written = false;
        try
        {
            if (_unfinished is { } unfinished)
            {
                if (!unfinished.IsCompleted)
                {
                    Fail(batch, () => new AuditWriteException(
                        $"The audit sink {SinkName} has not finished a call that outlived the write timeout; {batch.Count} record(s) were not stored.",
                        AuditWriteFailure.SinkStuck));
                    return;
                }

                // Whatever that call stored (all, part or nothing of its batch), the chain continues from it.
                _unfinished = null;
                _head = null;
            }

            var head = _head ??= await ReadVerifiedHeadAsync().ConfigureAwait(false);
            var linked = new AuditRecord[batch.Count];
            _lines.ResetWrittenCount();
            for (var i = 0; i < batch.Count; i++)
            {
                linked[i] = AuditChain.Link(batch[i].Record!, head, _key, _scratch, _lineSink is null ? null : _lines, _json);
                head = new AuditChainHead(linked[i].Sequence, linked[i].Mac);
            }

            written = true;
            await CallSinkAsync(_lineSink is not null
                ? _lineSink.WriteLinesAsync(_lines.WrittenMemory, linked.Length, _shutdown.Token)
                : _sink.WriteAsync(linked, _shutdown.Token)).ConfigureAwait(false);
            _head = head;
            _lastWriteFailure = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(linked[i]);
            }
        }
        catch (SinkCallTimedOutException)
        {
            _head = null;
            Fail(batch, () => new AuditWriteException(
                $"The audit sink {SinkName} did not finish storing {batch.Count} record(s) within {_writeTimeout}; the call is still running, so they may yet be stored.",
                AuditWriteFailure.TimedOut,
                mayHaveBeenStored: true));
        }
        catch (AuditWriteException ex)
        {
            _head = null;
            Fail(batch, () => new AuditWriteException(ex.Message, ex.Failure, ex.MayHaveBeenStored, ex.SinkErrorType, ex.SinkErrorCode));
        }
#pragma warning disable CA1031 // Any sink failure must reach every waiter, whatever its type.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The sink may have stored part of the batch: read the head back before linking the next one.
            _head = null;
            var type = ex.GetType().FullName ?? ex.GetType().Name;
            Fail(batch, () => new AuditWriteException(
                $"The audit sink {SinkName} failed to store {batch.Count} record(s) ({type}, HResult 0x{ex.HResult:X8}).",
                AuditWriteFailure.SinkFailed,
                mayHaveBeenStored: written,
                sinkErrorType: type,
                sinkErrorCode: ex.HResult));
        }
    }

    private void Fail(List<Pending> batch, Func<AuditWriteException> error)
    {
        var failure = error().Failure;
        _lastWriteFailure = (int)failure;
        foreach (var p in batch)
        {
            p.Completion.TrySetException(error());
        }
    }

    /// <summary>Reads the stored head and, when the sink gives the record, checks it under the chain keys.</summary>
    private async ValueTask<AuditChainHead> ReadVerifiedHeadAsync()
    {
        var head = await CallSinkAsync(_sink.ReadHeadAsync(_shutdown.Token)).ConfigureAwait(false);
        if (head.Record is not { } last)
        {
            return head;
        }

        string? problem = null;
        var key = Array.Find(_keys, k => k.Id == last.KeyId);
        if (last.Sequence != head.Sequence || last.Mac != head.Mac)
        {
            problem = $"the sink reported head {head.Sequence} with a different record ({last.Sequence}).";
        }
        else if (key is null)
        {
            problem = $"record {last.Sequence} is sealed with {AuditChainKey.Describe(last.KeyId)}, which is neither AiCompliance:Audit:ChainKey nor one of " +
                "AiCompliance:Audit:RetiredChainKeys. If the key was rotated, list the previous key as retired; if not, the record was edited or the wrong key is configured.";
        }
        else if (!AuditChain.MacMatches(last, key))
        {
            problem = $"record {last.Sequence} does not verify under key {key.Id}: it was edited after it was written. Keep the file as evidence " +
                "(check it with 'aicompliance audit verify'), and start a new file.";
        }

        else if (key.Id != _key.Id && _sink is IAuditKeyHistory history
            && await CallSinkAsync(history.HasRecordSealedWithAsync(_key.Id, last.Sequence, _shutdown.Token)).ConfigureAwait(false))
        {
            problem = $"AiCompliance:Audit:ChainKey is key {_key.Id}, which sealed records of this chain before it moved on to key {last.KeyId} (record {last.Sequence}): " +
                $"a key rotation was rolled back. Keys only move forward, so every record sealed now would fail verification. Make key {last.KeyId} the ChainKey again, or rotate to a new key.";
        }

        if (problem is null)
        {
            return head;
        }

        AuditLog.ChainHeadInvalid(_logger, SinkName, problem);
        throw new AuditWriteException($"The last record stored by the audit sink {SinkName} cannot be built on: {problem} No record is stored until this is resolved.", AuditWriteFailure.ChainHeadInvalid);
    }

    private async ValueTask CallSinkAsync(ValueTask call)
    {
        if (call.IsCompleted)
        {
            call.GetAwaiter().GetResult();
            return;
        }

        await BoundAsync(call.AsTask()).ConfigureAwait(false);
    }

    private async ValueTask<T> CallSinkAsync<T>(ValueTask<T> call)
    {
        if (call.IsCompleted)
        {
            return call.GetAwaiter().GetResult();
        }

        var task = call.AsTask();
        await BoundAsync(task).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    private async Task BoundAsync(Task task)
    {
        Volatile.Write(ref _sinkCall, task);
        try
        {
            await task.WaitAsync(_writeTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            _unfinished = task;
            _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            AuditLog.SinkCallTimedOut(_logger, SinkName, _writeTimeout);
            throw new SinkCallTimedOutException();
        }
    }

    private sealed class Pending(AuditRecord? record)
    {
        private int _state;

        /// <summary>The record, or null for a barrier that only marks a place in the queue.</summary>
        public AuditRecord? Record { get; } = record;

        public TaskCompletionSource<AuditRecord?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The writer takes the record; false if its caller stopped waiting first.</summary>
        public bool TryClaim() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        /// <summary>The caller stops waiting; false if a write already holds the record.</summary>
        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;
    }

    private sealed class SinkCallTimedOutException : Exception;
}
