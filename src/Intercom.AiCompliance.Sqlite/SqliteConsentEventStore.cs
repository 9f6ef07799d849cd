using System.Globalization;
using Intercom.AiCompliance.Training;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite;

/// <summary>
/// Keeps training consent events in a <see cref="SqliteStore"/>, append-only: an opt-out is committed before
/// <see cref="AppendAsync"/> returns, so it is in force after a restart (within the store's <see cref="SqliteDurability"/>).
/// </summary>
/// <remarks>The table refuses updates and deletes (a trigger); the sequence is SQLite's, never reused.</remarks>
public sealed class SqliteConsentEventStore : IConsentEventStore, IDisposable, IAsyncDisposable
{
    private readonly SqliteStore _store;
    private readonly bool _ownsStore;

    /// <summary>Keeps the events in <paramref name="store"/>, which the caller keeps and disposes.</summary>
    public SqliteConsentEventStore(SqliteStore store)
        : this(store, ownsStore: false)
    {
    }

    private SqliteConsentEventStore(SqliteStore store, bool ownsStore)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _ownsStore = ownsStore;
    }

    /// <summary>Opens its own store at <paramref name="path"/> and closes it when disposed.</summary>
    /// <exception cref="IOException">Another writer holds the database's lock.</exception>
    public static SqliteConsentEventStore Open(string path, SqliteDurability durability = SqliteDurability.ProcessCrash) =>
        new(SqliteStore.Open(path, durability), ownsStore: true);

    /// <inheritdoc/>
    public ValueTask<ConsentEvent> AppendAsync(ConsentEvent consentEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(consentEvent);
        ArgumentException.ThrowIfNullOrWhiteSpace(consentEvent.WorkspaceId, nameof(consentEvent) + "." + nameof(consentEvent.WorkspaceId));
        if (!Enum.IsDefined(consentEvent.Kind))
        {
            throw new ArgumentOutOfRangeException(nameof(consentEvent), "The consent event's kind is not defined.");
        }

        return new(_store.RunAsync(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO consent_events (workspace_id, kind, at, reference) VALUES ($w, $k, $a, $r) RETURNING sequence;";
            cmd.Parameters.AddWithValue("$w", consentEvent.WorkspaceId);
            cmd.Parameters.AddWithValue("$k", (int)consentEvent.Kind);
            cmd.Parameters.AddWithValue("$a", consentEvent.At.ToString("O", CultureInfo.InvariantCulture));
            cmd.Parameters.AddWithValue("$r", (object?)consentEvent.Reference ?? DBNull.Value);
            var sequence = (long)cmd.ExecuteScalar()!;
            return consentEvent with { Sequence = sequence };
        }, cancellationToken));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ConsentEvent>> ReadAsync(string workspaceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        return new(_store.RunAsync(c => Read(c, workspaceId), cancellationToken));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ConsentEvent>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        new(_store.RunAsync(c => Read(c, null), cancellationToken));

    /// <summary>Closes the store if this one opened it (<see cref="Open"/>); a shared store stays open.</summary>
    public void Dispose()
    {
        if (_ownsStore)
        {
            _store.Dispose();
        }
    }

    /// <summary>Closes the store if this one opened it.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static IReadOnlyList<ConsentEvent> Read(SqliteConnection connection, string? workspaceId)
    {
        using var cmd = connection.CreateCommand();
        if (workspaceId is null)
        {
            cmd.CommandText = "SELECT workspace_id, kind, at, reference, sequence FROM consent_events ORDER BY sequence;";
        }
        else
        {
            cmd.CommandText = "SELECT workspace_id, kind, at, reference, sequence FROM consent_events WHERE workspace_id = $w ORDER BY sequence;";
            cmd.Parameters.AddWithValue("$w", workspaceId);
        }

        using var reader = cmd.ExecuteReader();
        var events = new List<ConsentEvent>();
        while (reader.Read())
        {
            var kind = (ConsentEventKind)reader.GetInt32(1);
            if (!Enum.IsDefined(kind))
            {
                throw new InvalidDataException($"Consent event {reader.GetInt64(4)} has an unknown kind ({(int)kind}): the database was written by a newer version or edited.");
            }

            events.Add(new ConsentEvent(
                reader.GetString(0),
                kind,
                DateTimeOffset.ParseExact(reader.GetString(2), "O", CultureInfo.InvariantCulture, DateTimeStyles.None),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetInt64(4)));
        }

        return events;
    }
}
