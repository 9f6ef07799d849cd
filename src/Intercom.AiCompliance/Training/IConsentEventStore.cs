using System.Collections.Concurrent;

namespace Intercom.AiCompliance.Training;

/// <summary>Where consent events are kept. Append-only, so a database (SQLite, PostgreSQL) can implement it.</summary>
public interface IConsentEventStore
{
    /// <summary>Appends an event and returns it with its sequence assigned.</summary>
    ValueTask<ConsentEvent> AppendAsync(ConsentEvent consentEvent, CancellationToken cancellationToken = default);

    /// <summary>A workspace's events, oldest first.</summary>
    ValueTask<IReadOnlyList<ConsentEvent>> ReadAsync(string workspaceId, CancellationToken cancellationToken = default);

    /// <summary>Every workspace's events, oldest first (for the due and overdue lists).</summary>
    ValueTask<IReadOnlyList<ConsentEvent>> ReadAllAsync(CancellationToken cancellationToken = default);
}

/// <summary>An in-process consent event store.</summary>
public sealed class InMemoryConsentEventStore : IConsentEventStore
{
    private readonly ConcurrentDictionary<string, List<ConsentEvent>> _events = new(StringComparer.Ordinal);
    private long _sequence;

    /// <inheritdoc/>
    public ValueTask<ConsentEvent> AppendAsync(ConsentEvent consentEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(consentEvent);
        var list = _events.GetOrAdd(consentEvent.WorkspaceId, _ => []);
        lock (list)
        {
            var stored = consentEvent with { Sequence = Interlocked.Increment(ref _sequence) };
            list.Add(stored);
            return new(stored);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ConsentEvent>> ReadAsync(string workspaceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        if (!_events.TryGetValue(workspaceId, out var list))
        {
            return new(Array.Empty<ConsentEvent>());
        }

        lock (list)
        {
            return new(list.ToArray());
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ConsentEvent>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var all = new List<ConsentEvent>();
        foreach (var list in _events.Values)
        {
            lock (list)
            {
                all.AddRange(list);
            }
        }

        return new(all.OrderBy(e => e.Sequence).ToArray());
    }
}
