namespace Intercom.AiCompliance.Audit;

/// <summary>The last link of a stored chain: where the next record continues from.</summary>
/// <param name="Sequence">The last record's sequence; 0 for an empty chain.</param>
/// <param name="Mac">The last record's MAC; empty for an empty chain.</param>
public readonly record struct AuditChainHead(long Sequence, string Mac)
{
    /// <summary>The head of an empty chain.</summary>
    public static AuditChainHead Empty => new(0, string.Empty);

    /// <summary>
    /// The last stored record itself, when the sink can give it. The trail then checks its MAC under the chain keys
    /// before continuing the chain, so an edited last record or a wrong key stops the trail instead of being built on.
    /// </summary>
    public AuditRecord? Record { get; init; }

    /// <summary>The head that continues after <paramref name="record"/>, carrying the record for the check.</summary>
    public static AuditChainHead After(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new AuditChainHead(record.Sequence, record.Mac) { Record = record };
    }
}

/// <summary>
/// Stores audit records. Batches arrive already linked and sealed, in chain order, from a single writer, so a sink
/// needs no locking of its own and should write a batch in one go (group commit).
/// </summary>
/// <remarks>
/// <see cref="AuditTrail"/> bounds every call by its write timeout, so a sink should do blocking I/O asynchronously
/// (a call that blocks the calling thread cannot be cut short) and may honour the token it is given. A sink that
/// implements <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> is disposed by the trail that owns it.
/// <para>
/// To keep records verifiable, store each one's stored form, <see cref="AuditChain.ToJson"/>, and read it back with
/// <see cref="AuditChain.FromJson"/>: <see cref="AuditRecord.Mac"/> is outside the JSON body it seals, so a record
/// serialised with another serializer loses its MAC.
/// </para>
/// </remarks>
public interface IAuditSink
{
    /// <summary>Reads the last stored link so a restarted process continues the same chain.</summary>
    ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default);

    /// <summary>Durably stores <paramref name="records"/>, in order. Throwing means none of them can be relied on.</summary>
    ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default);
}

/// <summary>
/// A sink that stores the serialised lines themselves: the trail hands it the exact bytes it sealed, so a record is
/// serialised once and the bytes stored are the bytes the MAC covers.
/// </summary>
internal interface IAuditLineSink
{
    /// <summary>Stores <paramref name="lines"/> (whole JSON lines, each ending in '\n'), holding <paramref name="count"/> records.</summary>
    ValueTask WriteLinesAsync(ReadOnlyMemory<byte> lines, int count, CancellationToken cancellationToken);
}

/// <summary>
/// A sink that can say whether a key sealed any stored record: the trail asks before it continues a chain whose last
/// record is sealed with a retired key, so that rolling a key rotation back (the old key made current again) is refused
/// at once instead of appending records the verifier rejects (keys only move forward).
/// </summary>
/// <remarks>
/// A sink without it is not asked; the rollback then shows only when the chain is verified. The package's sinks (the
/// JSON Lines file, the SQLite store, the in-memory sink) implement it. It is asked once, after a rotation, not per write.
/// </remarks>
public interface IAuditKeyHistory
{
    /// <summary>Whether a stored record with a sequence below <paramref name="beforeSequence"/> is sealed with the key <paramref name="keyId"/>.</summary>
    ValueTask<bool> HasRecordSealedWithAsync(string keyId, long beforeSequence, CancellationToken cancellationToken = default);
}
