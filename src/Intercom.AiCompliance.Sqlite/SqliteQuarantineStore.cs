using System.Globalization;
using Intercom.AiCompliance.Quarantine;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite;

/// <summary>
/// Keeps deployment quarantines in the same SQLite database as the audit chain (table <c>deployment_quarantine</c>, schema
/// step 2). A host uses the writer's <see cref="SqliteStore"/>; the <c>aicompliance</c> tool opens the database with
/// <see cref="OpenShared"/> while the host runs (WAL lets both write; each change is one immediate transaction).
/// </summary>
public sealed class SqliteQuarantineStore : IQuarantineStore
{
    private readonly SqliteStore? _store;
    private readonly string? _path;

    /// <summary>Keeps quarantines in <paramref name="store"/>, which the caller keeps and disposes.</summary>
    public SqliteQuarantineStore(SqliteStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    private SqliteQuarantineStore(string path) => _path = path;

    /// <summary>
    /// Opens the quarantine table of an existing database without taking the writer's lock (for the <c>aicompliance</c> tool,
    /// while a host writes the audit chain). Each call opens its own connection.
    /// </summary>
    /// <exception cref="FileNotFoundException">No database at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidOperationException">The database has no quarantine table (written by an older version; start a host of this version once to migrate it).</exception>
    public static SqliteQuarantineStore OpenShared(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"No SQLite database at '{full}'.", full);
        }

        using var connection = Connect(full);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'deployment_quarantine';";
        if ((long)cmd.ExecuteScalar()! == 0)
        {
            throw new InvalidOperationException($"The database '{full}' has no quarantine table: it was written by an older version of the package. Start a host of this version on it once to migrate it.");
        }

        return new SqliteQuarantineStore(full);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<QuarantineEntry>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<QuarantineEntry>>(c => ReadAll(c, null), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<QuarantineEntry> QuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return RunAsync(c => Change(c, tx =>
        {
            var entries = ReadAll(c, tx).ToDictionary(e => e.DeploymentId, StringComparer.OrdinalIgnoreCase);
            var result = QuarantineEntriesApply(entries, entry);
            if (ReferenceEquals(result, entry))
            {
                Upsert(c, tx, entry);
            }

            return result;
        }), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<QuarantineEntry?> ClearAsync(string deploymentId, string clearedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deploymentId);
        return RunAsync(c => Change(c, tx =>
        {
            var existing = ReadAll(c, tx).FirstOrDefault(e => string.Equals(e.DeploymentId, deploymentId, StringComparison.OrdinalIgnoreCase));
            if (existing is not { IsActive: true })
            {
                return null;
            }

            var cleared = existing with { ClearedAt = at, ClearedBy = clearedBy, ClearReason = reason };
            Upsert(c, tx, cleared);
            return cleared;
        }), cancellationToken);
    }

    private static QuarantineEntry QuarantineEntriesApply(Dictionary<string, QuarantineEntry> entries, QuarantineEntry entry)
    {
        if (!entry.IsActive)
        {
            throw new ArgumentException("Only an active quarantine can be stored this way; clear one with ClearAsync.", nameof(entry));
        }

        return entries.TryGetValue(entry.DeploymentId, out var existing) && existing.IsActive ? existing : entry;
    }

    private ValueTask<T> RunAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        if (_store is not null)
        {
            return new(_store.RunAsync(work, cancellationToken));
        }

        return new(Task.Run(() =>
        {
            using var connection = Connect(_path!);
            return work(connection);
        }, cancellationToken));
    }

    private static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection(SqliteStore.ConnectionString(path, SqliteOpenMode.ReadWrite));
        connection.Open();
        using var cmd = connection.CreateCommand();
        // Wait for the host's writer instead of failing at once when it holds the write lock for a moment.
        cmd.CommandText = "PRAGMA busy_timeout=10000;";
        cmd.ExecuteNonQuery();
        return connection;
    }

    private static T Change<T>(SqliteConnection connection, Func<SqliteTransaction, T> change)
    {
        using var tx = connection.BeginTransaction(deferred: false);
        var result = change(tx);
        tx.Commit();
        return result;
    }

    private static List<QuarantineEntry> ReadAll(SqliteConnection connection, SqliteTransaction? tx)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            SELECT deployment_id, quarantined_at, reason, quarantined_by, reported_region, reported_jurisdiction, declared_regions,
                   audit_event_id, note, cleared_at, cleared_by, clear_reason
            FROM deployment_quarantine ORDER BY deployment_id COLLATE BINARY;
            """;
        using var reader = cmd.ExecuteReader();
        var entries = new List<QuarantineEntry>();
        while (reader.Read())
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            entries.Add(new QuarantineEntry
            {
                DeploymentId = reader.GetString(0),
                QuarantinedAt = DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                Reason = reader.GetString(2),
                QuarantinedBy = reader.GetString(3),
                ReportedRegion = Text(4),
                ReportedJurisdiction = Text(5),
                DeclaredRegions = Text(6),
                AuditEventId = Text(7),
                Note = Text(8),
                ClearedAt = Text(9) is { } cleared ? DateTimeOffset.Parse(cleared, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null,
                ClearedBy = Text(10),
                ClearReason = Text(11),
            });
        }

        return entries;
    }

    private static void Upsert(SqliteConnection connection, SqliteTransaction tx, QuarantineEntry e)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT OR REPLACE INTO deployment_quarantine (deployment_id, quarantined_at, reason, quarantined_by, reported_region,
                reported_jurisdiction, declared_regions, audit_event_id, note, cleared_at, cleared_by, clear_reason)
            VALUES ($id, $at, $reason, $by, $region, $jurisdiction, $declared, $event, $note, $clearedAt, $clearedBy, $clearReason);
            """;
        object Value(string? s) => (object?)s ?? DBNull.Value;
        cmd.Parameters.AddWithValue("$id", e.DeploymentId);
        cmd.Parameters.AddWithValue("$at", e.QuarantinedAt.ToString("O", CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$reason", e.Reason);
        cmd.Parameters.AddWithValue("$by", e.QuarantinedBy);
        cmd.Parameters.AddWithValue("$region", Value(e.ReportedRegion));
        cmd.Parameters.AddWithValue("$jurisdiction", Value(e.ReportedJurisdiction));
        cmd.Parameters.AddWithValue("$declared", Value(e.DeclaredRegions));
        cmd.Parameters.AddWithValue("$event", Value(e.AuditEventId));
        cmd.Parameters.AddWithValue("$note", Value(e.Note));
        cmd.Parameters.AddWithValue("$clearedAt", Value(e.ClearedAt?.ToString("O", CultureInfo.InvariantCulture)));
        cmd.Parameters.AddWithValue("$clearedBy", Value(e.ClearedBy));
        cmd.Parameters.AddWithValue("$clearReason", Value(e.ClearReason));
        cmd.ExecuteNonQuery();
    }
}
