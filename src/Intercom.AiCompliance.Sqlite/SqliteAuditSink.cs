using System.Text;
using System.Text.Json;
using Intercom.AiCompliance.Audit;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite;

/// <summary>
/// Stores the audit chain in a <see cref="SqliteStore"/>: one row per record, its sequence as the primary key and its
/// stored line (<see cref="AuditChain.ToJson"/>, the exact bytes its MAC covers) as the value.
/// </summary>
/// <remarks>
/// <para>
/// A batch is stored in one transaction (group commit): all of it or none. The head is read back from the last row, and
/// a last row that is not a record in the exact form this package writes is refused rather than built on. The sink
/// also refuses a batch that does not continue the stored head (a sequence gap or a foreign previous MAC), so a fork is
/// never stored; the trigger on the table refuses updates and deletes from any connection that has not dropped it.
/// </para>
/// <para>
/// Verify a database with <see cref="SqliteAuditVerifier"/>: it feeds the stored bytes, row by row, to
/// <see cref="AuditChainVerifier"/>, so every byte change of a row is caught.
/// </para>
/// </remarks>
public sealed class SqliteAuditSink : IAuditSink, IAuditLineSink, IAuditKeyHistory, IDisposable, IAsyncDisposable
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly SqliteStore _store;
    private readonly bool _ownsStore;
    private AuditChainHead? _head;
    private volatile Tuple<string, long, bool>? _keyHistory;
    private SqliteCommand? _insert;
    private SqliteCommand? _begin;
    private SqliteCommand? _commit;

    /// <summary>Stores the chain in <paramref name="store"/>, which the caller keeps and disposes.</summary>
    public SqliteAuditSink(SqliteStore store)
        : this(store, ownsStore: false)
    {
    }

    private SqliteAuditSink(SqliteStore store, bool ownsStore)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _ownsStore = ownsStore;
    }

    /// <summary>Opens its own store at <paramref name="path"/> and closes it when disposed.</summary>
    /// <exception cref="IOException">Another writer holds the database's lock.</exception>
    public static SqliteAuditSink Open(string path, SqliteDurability durability = SqliteDurability.ProcessCrash) =>
        new(SqliteStore.Open(path, durability), ownsStore: true);

    /// <summary>The store it writes to.</summary>
    public SqliteStore Store => _store;

    /// <inheritdoc/>
    /// <exception cref="AuditWriteException">The last row is not a record in its stored form (the database was edited or damaged).</exception>
    public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) =>
        new(_store.RunAsync(c =>
        {
            var head = ReadHead(c);
            _head = head;
            return head;
        }, cancellationToken));

    /// <inheritdoc/>
    public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        // Serialised before the hop: the lines are the exact bytes the trail sealed.
        var lines = new byte[records.Count][];
        var links = new Link[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            lines[i] = Utf8.GetBytes(AuditChain.ToJson(records[i]));
            links[i] = new Link(records[i].Sequence, records[i].PreviousMac, records[i].Mac);
        }

        return _store.RunForAuditAsync(c =>
        {
            Write(c, links, lines);
            return true;
        }, SpinFor(_store), cancellationToken);
    }

    /// <summary>
    /// Stores the trail's sealed lines as they are (the trail's fast path): no second serialisation of each record, which
    /// cost about 3.5 us per record (docs/benchmarks.md).
    /// </summary>
    ValueTask IAuditLineSink.WriteLinesAsync(ReadOnlyMemory<byte> lines, int count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var rows = new byte[count][];
        var links = new Link[count];
        var span = lines.Span;
        for (var i = 0; i < count; i++)
        {
            var end = span.IndexOf((byte)'\n');
            var line = end < 0 ? span : span[..end];
            if (!AuditChain.TryReadLinks(line, out var sequence, out var previousMac, out var mac))
            {
                return ValueTask.FromException(new InvalidOperationException("The audit trail handed the store a line that is not a sealed record."));
            }

            rows[i] = line.ToArray();
            links[i] = new Link(sequence, previousMac, mac);
            span = end < 0 ? [] : span[(end + 1)..];
        }

        return _store.RunForAuditAsync(c =>
        {
            Write(c, links, rows);
            return true;
        }, SpinFor(_store), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> HasRecordSealedWithAsync(string keyId, long beforeSequence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        var pattern = Utf8.GetBytes($"\"keyId\":\"{keyId}\"");
        if (_keyHistory is { } known && known.Item1 == keyId && known.Item2 == beforeSequence)
        {
            return new(known.Item3);
        }

        return new(_store.RunAsync(c =>
        {
            // Asked after a key rotation, never per write: a scan is fine. The answer is kept, so a scan that outlived the
            // trail's write timeout is not started again when the trail reads the head back.
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT 1 FROM audit_records WHERE sequence < $b AND substr(line, 1, 14) <> $c AND instr(line, $p) > 0 LIMIT 1;";
            cmd.Parameters.AddWithValue("$b", beforeSequence);
            cmd.Parameters.Add("$c", SqliteType.Blob).Value = "{\"checkpoint\":"u8.ToArray();
            cmd.Parameters.Add("$p", SqliteType.Blob).Value = pattern;
            var sealedWith = cmd.ExecuteScalar() is not null;
            _keyHistory = Tuple.Create(keyId, beforeSequence, sealedWith);
            return sealedWith;
        }, cancellationToken));
    }

    /// <summary>Closes the store if this sink opened it (<see cref="Open"/>); a shared store stays open.</summary>
    public void Dispose()
    {
        if (_ownsStore)
        {
            _store.Dispose();
        }
    }

    /// <summary>Closes the store if this sink opened it.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// How long the trail's thread waits, spinning, for a write to be committed before it parks and is resumed later: a
    /// commit at <see cref="SqliteDurability.ProcessCrash"/> takes some microseconds, less than parking a thread and
    /// waking another costs. Not at <see cref="SqliteDurability.PowerLoss"/>: an fsync takes milliseconds.
    /// </summary>
    private static TimeSpan SpinFor(SqliteStore store) =>
        store.Durability == SqliteDurability.ProcessCrash ? TimeSpan.FromMicroseconds(50) : TimeSpan.Zero;

    /// <summary>A record's place in the chain, as the sink checks it before storing.</summary>
    private readonly record struct Link(long Sequence, string PreviousMac, string Mac);

    private void Write(SqliteConnection connection, Link[] records, byte[][] lines)
    {
        // After a failed write the cached head may be wrong; read it back from the database.
        var head = _head ?? ReadHead(connection);
        _head = null;
        foreach (var r in records)
        {
            if (r.Sequence != head.Sequence + 1 || !string.Equals(r.PreviousMac, head.Mac, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"Audit record {r.Sequence} does not continue the stored chain (head {head.Sequence}): the store refuses to fork the chain.");
            }

            head = new AuditChainHead(r.Sequence, r.Mac);
        }

        // Prepared once and reused: preparing the statements again for every batch cost more than the insert itself.
        var insert = _insert ??= Prepare(connection, "INSERT INTO audit_records (sequence, line) VALUES ($s, $l);", ("$s", SqliteType.Integer), ("$l", SqliteType.Blob));
        if (records.Length == 1)
        {
            // One statement is its own transaction.
            insert.Parameters[0].Value = records[0].Sequence;
            insert.Parameters[1].Value = lines[0];
            insert.ExecuteNonQuery();
        }
        else
        {
            var begin = _begin ??= Prepare(connection, "BEGIN IMMEDIATE;");
            var commit = _commit ??= Prepare(connection, "COMMIT;");
            begin.ExecuteNonQuery();
            try
            {
                for (var i = 0; i < records.Length; i++)
                {
                    insert.Parameters[0].Value = records[i].Sequence;
                    insert.Parameters[1].Value = lines[i];
                    insert.ExecuteNonQuery();
                }

                commit.ExecuteNonQuery();
            }
            catch
            {
                if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0)
                {
                    using var rollback = connection.CreateCommand();
                    rollback.CommandText = "ROLLBACK;";
                    rollback.ExecuteNonQuery();
                }

                throw;
            }
        }

        _head = head;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            cmd.Parameters.Add(name, type);
        }

        cmd.Prepare();
        return cmd;
    }

    private AuditChainHead ReadHead(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT sequence, line FROM audit_records ORDER BY sequence DESC LIMIT 1;";
        using var reader = cmd.ExecuteReader();
        if (!reader.Read())
        {
            return AuditChainHead.Empty;
        }

        var sequence = reader.GetInt64(0);
        var bytes = reader.GetFieldValue<byte[]>(1);
        AuditRecord record;
        string line;
        try
        {
            line = Utf8.GetString(bytes);
            record = AuditChain.FromJson(line);
        }
        catch (Exception ex) when (ex is JsonException or DecoderFallbackException or ArgumentException)
        {
            throw Unusable(sequence, "it is not an audit record");
        }

        if (record.Sequence != sequence)
        {
            throw Unusable(sequence, $"the record in it says sequence {record.Sequence}");
        }

        return string.Equals(AuditChain.ToJson(record), line, StringComparison.Ordinal)
            ? AuditChainHead.After(record)
            : throw Unusable(sequence, "it is not in the exact form this package writes (keys, order, spacing or case were changed)");
    }

    private AuditWriteException Unusable(long sequence, string why) => new(
        $"The last audit row of the database '{_store.Path}' (sequence {sequence}) cannot be built on: {why}. A crash never leaves a partial row " +
        "(each batch is one transaction), so the database was edited or damaged. Keep it as evidence (check it with SqliteAuditVerifier), and point the store at a new database.",
        AuditWriteFailure.ChainHeadInvalid);
}
