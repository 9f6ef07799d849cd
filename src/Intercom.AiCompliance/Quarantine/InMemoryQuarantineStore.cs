namespace Intercom.AiCompliance.Quarantine;

/// <summary>
/// Keeps quarantines in memory: for tests and demos, or a host whose audit trail is in memory too. A restart forgets
/// every quarantine, so a host with a durable audit trail uses a durable store.
/// </summary>
public sealed class InMemoryQuarantineStore : IQuarantineStore
{
    private readonly Dictionary<string, QuarantineEntry> _entries = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<QuarantineEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            return new(_entries.Values.OrderBy(e => e.DeploymentId, StringComparer.Ordinal).ToArray());
        }
    }

    /// <inheritdoc/>
    public ValueTask<QuarantineEntry> QuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_entries)
        {
            return new(QuarantineEntries.Apply(_entries, entry));
        }
    }

    /// <inheritdoc/>
    public ValueTask<QuarantineEntry?> ClearAsync(string deploymentId, string clearedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            return new(QuarantineEntries.Clear(_entries, deploymentId, clearedBy, reason, at));
        }
    }
}

/// <summary>The one read-modify-write rule every store applies.</summary>
internal static class QuarantineEntries
{
    public static QuarantineEntry Apply(IDictionary<string, QuarantineEntry> entries, QuarantineEntry entry)
    {
        if (!entry.IsActive)
        {
            throw new ArgumentException("Only an active quarantine can be stored this way; clear one with ClearAsync.", nameof(entry));
        }

        if (entries.TryGetValue(entry.DeploymentId, out var existing) && existing.IsActive)
        {
            return existing;
        }

        entries[entry.DeploymentId] = entry;
        return entry;
    }

    public static QuarantineEntry? Clear(IDictionary<string, QuarantineEntry> entries, string deploymentId, string clearedBy, string reason, DateTimeOffset at)
    {
        if (!entries.TryGetValue(deploymentId, out var existing) || !existing.IsActive)
        {
            return null;
        }

        var cleared = existing with { ClearedAt = at, ClearedBy = clearedBy, ClearReason = reason };
        entries[existing.DeploymentId] = cleared;
        return cleared;
    }
}
