namespace Intercom.AiCompliance.Audit;

/// <summary>What one export (and prune) of old audit records did.</summary>
/// <param name="ExportedRecords">How many records were written to the export (a leading checkpoint not counted).</param>
/// <param name="Destination">The JSON Lines file written, or null when nothing was old enough to export.</param>
/// <param name="ThroughSequence">The sequence of the last record exported (and, when pruned, removed); 0 when none.</param>
/// <param name="Pruned">Whether the exported records were removed from the store and a signed checkpoint put in their place.</param>
public sealed record AuditRetentionResult(int ExportedRecords, string? Destination, long ThroughSequence, bool Pruned);

/// <summary>
/// Moves old audit records out of a store without breaking the chain: records older than a given age are exported to a
/// JSON Lines file that verifies on its own (<c>aicompliance audit verify</c>), then removed, and a checkpoint sealed with
/// the chain key (<see cref="AuditCheckpoint"/>: the last removed record's sequence and MAC) takes their place, so what
/// remains verifies from it.
/// </summary>
/// <remarks>
/// The newest record is never removed (the chain continues from it). A write-ahead intent whose outcome record is newer
/// than the cut is kept with it, so neither part of one request is exported without the other; an intent that never got
/// an outcome (its writer crashed) is exported and reported by the verifier as such.
/// </remarks>
public interface IAuditRetention
{
    /// <summary>Exports the records written before <paramref name="olderThan"/> ago to <paramref name="destination"/> without removing them.</summary>
    /// <exception cref="IOException"><paramref name="destination"/> exists already (an export never overwrites one).</exception>
    Task<AuditRetentionResult> ExportAsync(TimeSpan olderThan, string destination, CancellationToken cancellationToken = default);

    /// <summary>
    /// Exports the records written before <paramref name="olderThan"/> ago to <paramref name="destination"/>, verifies the
    /// export, then removes them from the store and writes the signed checkpoint in their place.
    /// </summary>
    /// <exception cref="IOException"><paramref name="destination"/> exists already.</exception>
    /// <exception cref="InvalidOperationException">The export does not verify under the chain keys: nothing is removed.</exception>
    Task<AuditRetentionResult> ExportAndPruneAsync(TimeSpan olderThan, string destination, CancellationToken cancellationToken = default);
}
