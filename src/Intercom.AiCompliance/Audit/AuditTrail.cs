using System.Collections.Concurrent;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// Links audit records into one hash chain and hands them to the sink.
/// </summary>
/// <remarks>
/// Request threads never wait on a lock. Each request enqueues its record and, if no request is writing at that
/// moment, becomes the writer itself (flat combining): it drains whatever has queued, links the batch in order,
/// writes it to the sink in one call (group commit) and completes every waiter in it. A request that finds a writer
/// at work simply awaits its own completion. Without contention a record is linked and stored on the caller's own
/// thread, with no hop; under load one sink write serves many requests.
/// </remarks>
public sealed class AuditTrail : IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 512;
    private readonly IAuditSink _sink;
    private readonly ConcurrentQueue<Pending> _queue = new();
    private AuditChainHead? _head;
    private int _writing;
    private volatile bool _closed;

    /// <summary>Creates the trail.</summary>
    public AuditTrail(IAuditSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
    }

    private AuditTrail()
    {
        _sink = new InMemoryAuditSink();
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

    /// <summary>Links <paramref name="record"/> into the chain and waits until the sink has stored it.</summary>
    /// <returns>The record as stored, with sequence and hashes.</returns>
    /// <exception cref="AuditWriteException">The sink failed, or the trail is shut down; the record was not stored.</exception>
    public async ValueTask<AuditRecord> AppendAsync(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_closed)
        {
            throw new AuditWriteException("The audit trail is shut down; the record was not stored.", null);
        }

        var pending = new Pending(record);
        _queue.Enqueue(pending);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            await DrainAsync(pending).ConfigureAwait(false);
        }

        return await pending.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Stops accepting records and waits for the ones queued to be written.</summary>
    public async ValueTask DisposeAsync()
    {
        _closed = true;
        while (!_queue.IsEmpty || Volatile.Read(ref _writing) != 0)
        {
            if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
            {
                await DrainAsync(null).ConfigureAwait(false);
            }
            else
            {
                await Task.Delay(1).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops accepting records and blocks until the queued ones are written (for containers that dispose synchronously).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Runs while holding the writer role: writes batches until <paramref name="own"/> is stored (or the queue is
    /// empty), then gives the role up and, if more records arrived, hands the rest to the thread pool.
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
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var p))
        {
            batch.Add(p);
        }

        if (batch.Count == 0)
        {
            return;
        }

        var linked = new AuditRecord[batch.Count];
        try
        {
            var head = _head ??= await _sink.ReadHeadAsync().ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                linked[i] = AuditChain.Link(batch[i].Record, head.Sequence, head.Hash);
                head = new AuditChainHead(linked[i].Sequence, linked[i].Hash);
            }

            await _sink.WriteAsync(linked).ConfigureAwait(false);
            _head = head;
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(linked[i]);
            }
        }
#pragma warning disable CA1031 // Any sink failure must reach every waiter, whatever its type.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The sink may have written part of the batch: re-read the head before linking the next one.
            _head = null;
            var error = new AuditWriteException($"The audit sink {_sink.GetType().Name} failed to store {batch.Count} record(s).", ex);
            foreach (var p in batch)
            {
                p.Completion.TrySetException(error);
            }
        }
    }

    private sealed class Pending(AuditRecord record)
    {
        public AuditRecord Record { get; } = record;

        public TaskCompletionSource<AuditRecord> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>The audit trail could not store a record. With the default fail-closed policy, the request fails too.</summary>
public sealed class AuditWriteException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AuditWriteException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
