using System.Text;
using Intercom.AiCompliance.Audit;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite;

/// <summary>
/// Exports old records of the audit chain in a <see cref="SqliteStore"/> to a JSON Lines file that verifies on its own,
/// and prunes them, leaving a checkpoint sealed with the chain key in their place (see <see cref="IAuditRetention"/>).
/// </summary>
/// <remarks>
/// The export reads a snapshot on a read-only connection of its own, so the trail keeps writing meanwhile; only the prune
/// (one transaction: the rows removed and the checkpoint stored, all or nothing) runs on the store's writer connection.
/// The table's append-only trigger on deletes is dropped and re-created inside that transaction.
/// </remarks>
public sealed class SqliteAuditRetention : IAuditRetention
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly SqliteStore _store;
    private readonly AuditChainKey _key;
    private readonly AuditChainKey[] _keys;
    private readonly TimeProvider _time;

    /// <summary>Creates the retention for <paramref name="store"/>.</summary>
    /// <param name="store">The store holding the chain (the caller keeps and disposes it).</param>
    /// <param name="chainKey">The current chain key: it seals the checkpoint.</param>
    /// <param name="retiredKeys">Earlier chain keys, to verify the export.</param>
    /// <param name="timeProvider">The clock that says how old a record is; default the system clock.</param>
    public SqliteAuditRetention(SqliteStore store, AuditChainKey chainKey, IEnumerable<AuditChainKey>? retiredKeys = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(chainKey);
        _store = store;
        _key = chainKey;
        _keys = [chainKey, .. (retiredKeys ?? []).Where(k => k is not null && k.Id != chainKey.Id)];
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public Task<AuditRetentionResult> ExportAsync(TimeSpan olderThan, string destination, CancellationToken cancellationToken = default) =>
        RunAsync(olderThan, destination, prune: false, cancellationToken);

    /// <inheritdoc/>
    public Task<AuditRetentionResult> ExportAndPruneAsync(TimeSpan olderThan, string destination, CancellationToken cancellationToken = default) =>
        RunAsync(olderThan, destination, prune: true, cancellationToken);

    private async Task<AuditRetentionResult> RunAsync(TimeSpan olderThan, string destination, bool prune, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(olderThan, TimeSpan.Zero);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        var now = _time.GetUtcNow();
        var cutoff = now - olderThan;
        var path = Path.GetFullPath(destination);
        var (count, through, headMac) = await Task.Run(() => Export(cutoff, path, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (count == 0)
        {
            return new AuditRetentionResult(0, null, 0, false);
        }

        var check = AuditChainVerifier.VerifyFile(path, _keys);
        if (!check.IsValid)
        {
            throw new InvalidOperationException(
                $"The export '{path}' of records up to {through} does not verify ({check.Problem}); nothing was removed. Check the database with SqliteAuditVerifier.");
        }

        if (!prune)
        {
            return new AuditRetentionResult(count, path, through, false);
        }

        var checkpoint = AuditChain.SealCheckpoint(new AuditCheckpoint { Sequence = through, HeadMac = headMac, PrunedBefore = cutoff, CreatedAt = now }, _key);
        await _store.RunAsync(c =>
        {
            Prune(c, through, headMac, Utf8.GetBytes(checkpoint));
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return new AuditRetentionResult(count, path, through, true);
    }

    /// <summary>Writes the old records (after a leading checkpoint, if any) to <paramref name="path"/>; returns what was written and its last link.</summary>
    private (int Count, long Through, string HeadMac) Export(DateTimeOffset cutoff, string path, CancellationToken cancellationToken)
    {
        using var connection = new SqliteConnection(SqliteStore.ConnectionString(_store.Path, SqliteOpenMode.ReadOnly));
        connection.Open();
        using var tx = connection.BeginTransaction(deferred: true);
        long head;
        using (var max = connection.CreateCommand())
        {
            max.Transaction = tx;
            max.CommandText = "SELECT COALESCE(MAX(sequence), 0) FROM audit_records;";
            head = (long)max.ExecuteScalar()!;
        }

        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024);
        var ends = new List<(long Sequence, long End, string Mac)>();
        var open = new Dictionary<string, long>(StringComparer.Ordinal);
        long firstExportable = 0;
        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;

            // The newest record stays: the chain continues from it.
            cmd.CommandText = "SELECT sequence, line FROM audit_records WHERE sequence < $head ORDER BY sequence;";
            cmd.Parameters.AddWithValue("$head", head);
            using var reader = cmd.ExecuteReader();
            var first = true;
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sequence = reader.GetInt64(0);
                var bytes = reader.GetFieldValue<byte[]>(1);
                if (AuditChainLine.IsCheckpoint(bytes))
                {
                    if (!first)
                    {
                        throw new InvalidOperationException($"The audit table of '{_store.Path}' holds a checkpoint at {sequence} after its first row: check it with SqliteAuditVerifier.");
                    }

                    file.Write(bytes);
                    file.WriteByte((byte)'\n');
                    firstExportable = sequence;
                    first = false;
                    continue;
                }

                first = false;
                var record = AuditChain.FromJson(Utf8.GetString(bytes));
                if (record.Timestamp >= cutoff)
                {
                    break;
                }

                if (record.Outcome == AuditOutcome.Intent)
                {
                    open.TryAdd(record.EventId, sequence);
                }
                else
                {
                    open.Remove(record.EventId);
                }

                file.Write(bytes);
                file.WriteByte((byte)'\n');
                ends.Add((sequence, file.Position, record.Mac));
            }
        }

        // An intent whose outcome is newer than the cut stays with it: cut before the earliest such intent.
        var through = ends.Count == 0 ? 0 : ends[^1].Sequence;
        foreach (var (eventId, sequence) in open.OrderBy(o => o.Value))
        {
            using var later = connection.CreateCommand();
            later.Transaction = tx;
            later.CommandText = "SELECT 1 FROM audit_records WHERE sequence > $s AND instr(line, $p) > 0 LIMIT 1;";
            later.Parameters.AddWithValue("$s", sequence);
            later.Parameters.Add("$p", SqliteType.Blob).Value = Utf8.GetBytes($"\"eventId\":\"{eventId}\"");
            if (later.ExecuteScalar() is not null)
            {
                through = Math.Min(through, sequence - 1);
                break;
            }
        }

        var kept = ends.FindLastIndex(e => e.Sequence <= through);
        if (kept < 0 || through <= firstExportable)
        {
            file.Dispose();
            File.Delete(path);
            return (0, 0, string.Empty);
        }

        file.SetLength(ends[kept].End);
        file.Flush(flushToDisk: true);
        return (kept + 1, ends[kept].Sequence, ends[kept].Mac);
    }

    private static void Prune(SqliteConnection connection, long through, string headMac, byte[] checkpoint)
    {
        using var tx = connection.BeginTransaction(deferred: false);
        using (var check = connection.CreateCommand())
        {
            check.Transaction = tx;
            check.CommandText = "SELECT line FROM audit_records WHERE sequence = $s;";
            check.Parameters.AddWithValue("$s", through);
            if (check.ExecuteScalar() is not byte[] line || !AuditChain.FromJson(Utf8.GetString(line)).Mac.Equals(headMac, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Record {through} changed between the export and the prune; nothing was removed.");
            }
        }

        Execute(connection, tx, "DROP TRIGGER audit_records_append_only_delete;");
        using (var delete = connection.CreateCommand())
        {
            delete.Transaction = tx;
            delete.CommandText = "DELETE FROM audit_records WHERE sequence <= $s;";
            delete.Parameters.AddWithValue("$s", through);
            delete.ExecuteNonQuery();
        }

        Execute(connection, tx, "CREATE TRIGGER audit_records_append_only_delete BEFORE DELETE ON audit_records BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;");
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO audit_records (sequence, line) VALUES ($s, $l);";
            insert.Parameters.AddWithValue("$s", through);
            insert.Parameters.Add("$l", SqliteType.Blob).Value = checkpoint;
            insert.ExecuteNonQuery();
        }

        tx.Commit();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

/// <summary>Recognises a stored checkpoint line (it starts with <c>{"checkpoint":</c>; a record's starts with <c>{"sequence":</c>).</summary>
internal static class AuditChainLine
{
    public static bool IsCheckpoint(ReadOnlySpan<byte> line) => line.StartsWith("{\"checkpoint\":"u8);
}
