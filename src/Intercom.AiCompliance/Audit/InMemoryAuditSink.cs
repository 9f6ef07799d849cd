namespace Intercom.AiCompliance.Audit;

/// <summary>Keeps audit records in memory: for tests, demos and hosts that forward records themselves.</summary>
public sealed class InMemoryAuditSink : IAuditSink
{
    private readonly List<AuditRecord> _records = [];
    private readonly object _gate = new();

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
    public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_gate)
        {
            _records.AddRange(records);
        }

        return ValueTask.CompletedTask;
    }
}
