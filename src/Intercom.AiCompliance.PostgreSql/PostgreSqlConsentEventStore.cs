using System.Globalization;
using Intercom.AiCompliance.Training;
using Npgsql;

namespace Intercom.AiCompliance.PostgreSql;

/// <summary>
/// Keeps training consent events in a <see cref="PostgreSqlStore"/> shared by the fleet, append-only: an event is
/// committed before <see cref="AppendAsync"/> returns, so an opt-out recorded by any instance is in force for every
/// instance, and after any restart.
/// </summary>
/// <remarks>The table refuses updates, deletes and truncation (triggers); the sequence is an identity column, never reused.</remarks>
public sealed class PostgreSqlConsentEventStore : IConsentEventStore
{
    private readonly PostgreSqlStore _store;

    /// <summary>Keeps the events in <paramref name="store"/>, which the caller keeps and disposes.</summary>
    public PostgreSqlConsentEventStore(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc/>
    /// <exception cref="PostgreSqlStoreException">The database refused or lost the write; the event may not be stored.</exception>
    public async ValueTask<ConsentEvent> AppendAsync(ConsentEvent consentEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(consentEvent);
        ArgumentException.ThrowIfNullOrWhiteSpace(consentEvent.WorkspaceId, nameof(consentEvent) + "." + nameof(consentEvent.WorkspaceId));
        if (!Enum.IsDefined(consentEvent.Kind))
        {
            throw new ArgumentOutOfRangeException(nameof(consentEvent), "The consent event's kind is not defined.");
        }

        try
        {
            await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand(
                "INSERT INTO aicompliance.consent_events (workspace_id, kind, at, reference) VALUES ($1, $2, $3, $4) RETURNING sequence;", connection);
            cmd.Parameters.Add(new NpgsqlParameter { Value = consentEvent.WorkspaceId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (int)consentEvent.Kind });
            cmd.Parameters.Add(new NpgsqlParameter { Value = consentEvent.At.ToString("O", CultureInfo.InvariantCulture) });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)consentEvent.Reference ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            var sequence = (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return consentEvent with { Sequence = sequence };
        }
        catch (Exception ex) when (IsDatabaseFailure(ex, cancellationToken))
        {
            throw PostgreSqlStoreException.From("store a consent event", ex);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="PostgreSqlStoreException">The database cannot be read.</exception>
    public ValueTask<IReadOnlyList<ConsentEvent>> ReadAsync(string workspaceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        return ReadCoreAsync(workspaceId, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="PostgreSqlStoreException">The database cannot be read.</exception>
    public ValueTask<IReadOnlyList<ConsentEvent>> ReadAllAsync(CancellationToken cancellationToken = default) => ReadCoreAsync(null, cancellationToken);

    private static bool IsDatabaseFailure(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && (ex is NpgsqlException or TimeoutException || (ex is InvalidOperationException && ex.Source?.StartsWith("Npgsql", StringComparison.Ordinal) == true));

    private async ValueTask<IReadOnlyList<ConsentEvent>> ReadCoreAsync(string? workspaceId, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand(
                workspaceId is null
                    ? "SELECT workspace_id, kind, at, reference, sequence FROM aicompliance.consent_events ORDER BY sequence;"
                    : "SELECT workspace_id, kind, at, reference, sequence FROM aicompliance.consent_events WHERE workspace_id = $1 ORDER BY sequence;",
                connection);
            if (workspaceId is not null)
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
            }

            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var events = new List<ConsentEvent>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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
        catch (Exception ex) when (IsDatabaseFailure(ex, cancellationToken))
        {
            throw PostgreSqlStoreException.From("read consent events", ex);
        }
    }
}
