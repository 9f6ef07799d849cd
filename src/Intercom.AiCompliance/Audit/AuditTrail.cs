using System.Threading.Channels;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// Links audit records into one hash chain and hands them to the sink.
/// </summary>
/// <remarks>
/// Request threads never take a lock: each enqueues its record on a channel and awaits its own completion. A single
/// writer drains whatever has queued, links the batch in order, writes it to the sink in one call (group commit),
/// and only then completes each waiter. Under load, one sink write serves many requests, so the chain costs one hop
/// per request rather than serialising requests behind a lock held across I/O.
/// </remarks>
public sealed class AuditTrail : IAsyncDisposable
{
    private const int MaxBatch = 512;
    private readonly IAuditSink _sink;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private AuditChainHead? _head;

    /// <summary>Creates the trail and starts its writer.</summary>
    public AuditTrail(IAuditSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
        _writer = Task.Run(WriteLoopAsync);
    }

    private AuditTrail()
    {
        _sink = new InMemoryAuditSink();
        _writer = Task.CompletedTask;
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
    /// <exception cref="AuditWriteException">The sink failed; the record was not stored.</exception>
    public async ValueTask<AuditRecord> AppendAsync(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var pending = new Pending(record);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new AuditWriteException("The audit trail is shut down; the record was not stored.", null);
        }

        return await pending.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Stops accepting records and waits for the ones queued to be written.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var linked = new List<AuditRecord>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            linked.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var p))
            {
                batch.Add(p);
            }

            try
            {
                var head = _head ??= await _sink.ReadHeadAsync().ConfigureAwait(false);
                foreach (var p in batch)
                {
                    var r = AuditChain.Link(p.Record, head.Sequence, head.Hash);
                    head = new AuditChainHead(r.Sequence, r.Hash);
                    linked.Add(r);
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
