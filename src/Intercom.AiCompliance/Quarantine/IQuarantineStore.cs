namespace Intercom.AiCompliance.Quarantine;

/// <summary>
/// Where quarantines persist, so they outlast a restart and are shared with the <c>aicompliance</c> tool and other hosts
/// on the same store. One entry per deployment: the latest quarantine, active or cleared.
/// </summary>
/// <remarks>
/// Implementations: <see cref="JsonFileQuarantineStore"/> (a small JSON file, replaced atomically under a lock),
/// <see cref="InMemoryQuarantineStore"/> (tests and demos: forgets on restart), and the SQLite package's store. Every
/// method may be called from several processes at once; each change is one atomic read-modify-write.
/// </remarks>
public interface IQuarantineStore
{
    /// <summary>Every entry, active or cleared, ordered by deployment id.</summary>
    ValueTask<IReadOnlyList<QuarantineEntry>> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="entry"/> (which must be active) unless the deployment is already quarantined; returns the entry
    /// in force afterwards (the existing one when there was one).
    /// </summary>
    ValueTask<QuarantineEntry> QuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Clears the deployment's active quarantine; returns the cleared entry, or <see langword="null"/> when none was in force.</summary>
    ValueTask<QuarantineEntry?> ClearAsync(string deploymentId, string clearedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken = default);
}
