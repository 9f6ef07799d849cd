namespace Intercom.AiCompliance.Audit;

/// <summary>
/// Keeps audit records in memory, for tests and demos only: everything is lost when the process ends. Bounded by a
/// capacity; when it is full the sink refuses the batch (the trail then fails closed with an
/// <see cref="AuditWriteException"/>) rather than dropping older evidence.
/// </summary>
/// <remarks>
/// With dependency injection it is never a default: a host opts in by name with
/// <c>UseInMemoryAuditForTestsAndDemos()</c>. Production hosts store the chain durably (a JSON Lines file, the SQLite
/// store, or their own sink).
/// </remarks>
public sealed class InMemoryAuditSink : IAuditSink, IAuditKeyHistory
{
    /// <summary>The default <see cref="Capacity"/>: 100,000 records (a few hundred megabytes at most).</summary>
    public const int DefaultCapacity = 100_000;

    private readonly List<AuditRecord> _records = [];
    private readonly object _gate = new();

    /// <summary>Creates the sink.</summary>
    /// <param name="capacity">The most records it holds; a batch that would exceed it is refused whole.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive.</exception>
    public InMemoryAuditSink(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>The most records the sink holds.</summary>
    public int Capacity { get; }

    /// <summary>A snapshot of the records stored so far, in chain order.</summary>
    public IReadOnlyList<AuditRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return _records.ToArray();
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_records.Count == 0 ? AuditChainHead.Empty : AuditChainHead.After(_records[^1]));
        }
    }

    /// <inheritdoc/>
    /// <exception cref="AuditWriteException">The batch would take the sink past its capacity; none of it is stored.</exception>
    public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_gate)
        {
            if (_records.Count + records.Count > Capacity)
            {
                return ValueTask.FromException(new AuditWriteException(
                    $"The in-memory audit sink (tests and demos only) is full: it holds {_records.Count} of {Capacity} record(s) and refuses {records.Count} more rather than drop evidence. " +
                    "Use a durable sink, or a larger capacity.",
                    AuditWriteFailure.SinkFailed));
            }

            _records.AddRange(records);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<bool> HasRecordSealedWithAsync(string keyId, long beforeSequence, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_records.Exists(r => r.Sequence < beforeSequence && string.Equals(r.KeyId, keyId, StringComparison.Ordinal)));
        }
    }
}
