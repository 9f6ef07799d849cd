namespace Intercom.AiCompliance.Audit;

/// <summary>The last link of a stored chain: where the next record continues from.</summary>
/// <param name="Sequence">The last record's sequence; 0 for an empty chain.</param>
/// <param name="Hash">The last record's hash; empty for an empty chain.</param>
public readonly record struct AuditChainHead(long Sequence, string Hash)
{
    /// <summary>The head of an empty chain.</summary>
    public static AuditChainHead Empty => new(0, string.Empty);
}

/// <summary>
/// Stores audit records. Batches arrive already linked, in chain order, from a single writer, so a sink needs no
/// locking of its own and should write a batch in one go (group commit).
/// </summary>
public interface IAuditSink
{
    /// <summary>Reads the last stored link so a restarted process continues the same chain.</summary>
    ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default);

    /// <summary>Durably stores <paramref name="records"/>, in order. Throwing means none of them can be relied on.</summary>
    ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default);
}
