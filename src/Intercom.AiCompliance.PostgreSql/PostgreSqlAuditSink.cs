using System.Text;
using System.Text.Json;
using Intercom.AiCompliance.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Intercom.AiCompliance.PostgreSql;

/// <summary>
/// Stores this instance's audit chain in a <see cref="PostgreSqlStore"/> shared by a fleet: one chain per instance,
/// each record's stored line (<see cref="AuditChain.ToJson"/>, the exact bytes its MAC covers) keyed by instance and
/// sequence, and with every batch a cross-anchor that cites this chain's new head and every other chain's head.
/// </summary>
/// <remarks>
/// <para>
/// One batch is one round trip and one transaction (group commit): the records, the anchor, this instance's head row,
/// and a read of the other instances' heads for the next anchor. A crash or a connection the server closed never
/// leaves part of a batch. The sink refuses a batch that does not continue the stored head, and the primary key
/// refuses a second record at the same place, so a chain never forks, even when two processes are (wrongly) given
/// the same instance id. After a failed write the next one reads the head back from the database.
/// </para>
/// <para>
/// Why anchors: a chain alone cannot show that its last records were deleted. Each instance's last anchor cites its
/// own last record (they are written together), and the other instances' anchors cite its head as they saw it, so
/// deleting records from the tail of one chain leaves an anchor citing a record that is gone.
/// <see cref="PostgreSqlAuditVerifier"/> checks every chain, every anchor and every citation. Limits: docs/audit.md.
/// </para>
/// </remarks>
public sealed class PostgreSqlAuditSink : IAuditSink
{
    private const string InsertRecords =
        "INSERT INTO aicompliance.audit_records (instance_id, sequence, line) SELECT $1, s, l FROM unnest($2::bigint[], $3::bytea[]) AS t(s, l)";

    private const string InsertAnchor =
        "INSERT INTO aicompliance.audit_anchors (instance_id, anchor_sequence, body, mac) VALUES ($1, $2, $3, $4)";

    private const string UpsertHead =
        "INSERT INTO aicompliance.audit_heads (instance_id, sequence, mac, updated_at) VALUES ($1, $2, $3, now()) " +
        "ON CONFLICT (instance_id) DO UPDATE SET sequence = EXCLUDED.sequence, mac = EXCLUDED.mac, updated_at = EXCLUDED.updated_at";

    private const string ReadOtherHeads =
        "SELECT instance_id, sequence, mac FROM aicompliance.audit_heads WHERE instance_id <> $1 ORDER BY instance_id";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly PostgreSqlStore _store;
    private readonly AuditChainKey _anchorKey;
    private readonly TimeProvider _time;
    private readonly bool _anchor;

    // Touched by one call at a time: the trail never starts a second call while one runs.
    private AuditChainHead? _head;
    private (long Sequence, string Mac)? _anchorHead;
    private IReadOnlyList<CitedHead> _others = [];

    /// <summary>Stores this instance's chain (<see cref="PostgreSqlStore.InstanceId"/>) in <paramref name="store"/>, which the caller keeps and disposes.</summary>
    /// <param name="store">The shared database.</param>
    /// <param name="chainKey">The chain key (<c>AiCompliance:Audit:ChainKey</c>): it seals the anchors, as the trail seals the records with it.</param>
    /// <param name="timeProvider">The clock for anchors' times; default the system clock.</param>
    public PostgreSqlAuditSink(PostgreSqlStore store, AuditChainKey chainKey, TimeProvider? timeProvider = null)
        : this(store, chainKey, timeProvider, anchor: true)
    {
    }

    /// <summary>Without anchors: only for the benchmark that measures what the anchors cost.</summary>
    internal PostgreSqlAuditSink(PostgreSqlStore store, AuditChainKey chainKey, TimeProvider? timeProvider, bool anchor)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(chainKey);
        _store = store;
        _anchorKey = chainKey;
        _time = timeProvider ?? TimeProvider.System;
        _anchor = anchor;
    }

    /// <summary>The store it writes to.</summary>
    public PostgreSqlStore Store => _store;

    /// <summary>The chain it writes: the store's instance id.</summary>
    public string InstanceId => _store.InstanceId;

    /// <inheritdoc/>
    /// <exception cref="AuditWriteException">The last record of this instance's chain is not a record in its stored form (the database was edited).</exception>
    /// <exception cref="PostgreSqlStoreException">The database cannot be read.</exception>
    public async ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default)
    {
        _head = null;
        try
        {
            await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var head = await ReadHeadAsync(connection, cancellationToken).ConfigureAwait(false);
            _head = head;
            return head;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw PostgreSqlStoreException.From("read the audit chain's head", ex);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="PostgreSqlStoreException">The database refused or lost the write; none of the batch can be relied on.</exception>
    public async ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        var sequences = new long[records.Count];
        var lines = new byte[records.Count][];
        for (var i = 0; i < records.Count; i++)
        {
            sequences[i] = records[i].Sequence;
            lines[i] = Utf8.GetBytes(AuditChain.ToJson(records[i]));
        }

        // Whatever happens below, a failure leaves the cached heads unknown: the next write reads them back.
        var head = _head;
        var anchorHead = _anchorHead;
        _head = null;
        _anchorHead = null;
        try
        {
            await using var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            if (head is null || anchorHead is null)
            {
                head = await ReadHeadAsync(connection, cancellationToken).ConfigureAwait(false);
                anchorHead = _anchorHead;
                _head = null;
                _anchorHead = null;
            }

            var next = head.Value;
            foreach (var r in records)
            {
                if (r.Sequence != next.Sequence + 1 || !string.Equals(r.PreviousMac, next.Mac, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"Audit record {r.Sequence} does not continue the stored chain of instance {InstanceId} (head {next.Sequence}): the store refuses to fork the chain.");
                }

                next = new AuditChainHead(r.Sequence, r.Mac);
            }

            await using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(Command(InsertRecords, InstanceId, sequences, lines));
            (long Sequence, string Mac) newAnchor = anchorHead!.Value;
            if (_anchor)
            {
                var cited = new List<CitedHead>(_others.Count + 1) { new(InstanceId, next.Sequence, next.Mac) };
                cited.AddRange(_others);
                cited.Sort((a, b) => string.CompareOrdinal(a.InstanceId, b.InstanceId));
                var anchor = new FleetAnchor(InstanceId, newAnchor.Sequence + 1, _time.GetUtcNow(), _anchorKey.Id, newAnchor.Mac, cited);
                var body = anchor.ToBody();
                var mac = FleetAnchor.Seal(body, _anchorKey);
                batch.BatchCommands.Add(Command(InsertAnchor, InstanceId, anchor.Sequence, body, mac));
                newAnchor = (anchor.Sequence, mac);
            }

            batch.BatchCommands.Add(Command(UpsertHead, InstanceId, next.Sequence, next.Mac));
            batch.BatchCommands.Add(Command(ReadOtherHeads, InstanceId));

            // One round trip, one implicit transaction: all of it is stored, or none.
            var others = new List<CitedHead>();
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    others.Add(new CitedHead(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
                }
            }

            _others = others;
            _head = next;
            _anchorHead = newAnchor;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException || (ex is InvalidOperationException && ex.Source?.StartsWith("Npgsql", StringComparison.Ordinal) == true))
        {
            throw PostgreSqlStoreException.From($"store {records.Count} audit record(s)", ex);
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (var v in values)
        {
            cmd.Parameters.Add(v switch
            {
                byte[] b => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = b },
                byte[][] bs => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = bs },
                _ => new NpgsqlParameter { Value = v },
            });
        }

        return cmd;
    }

    /// <summary>Reads this instance's last record (checked to be in its stored form), its last anchor and the others' heads.</summary>
    private async Task<AuditChainHead> ReadHeadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command("SELECT sequence, line FROM aicompliance.audit_records WHERE instance_id = $1 ORDER BY sequence DESC LIMIT 1", InstanceId));
        batch.BatchCommands.Add(Command("SELECT anchor_sequence, mac FROM aicompliance.audit_anchors WHERE instance_id = $1 ORDER BY anchor_sequence DESC LIMIT 1", InstanceId));
        batch.BatchCommands.Add(Command(ReadOtherHeads, InstanceId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        AuditChainHead head = AuditChainHead.Empty;
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            head = Parse(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        (long, string) anchor = (0, string.Empty);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            anchor = (reader.GetInt64(0), reader.GetString(1));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var others = new List<CitedHead>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            others.Add(new CitedHead(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
        }

        _others = others;
        _anchorHead = anchor;
        return head;
    }

    private AuditChainHead Parse(long sequence, byte[] bytes)
    {
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
        $"The last audit row of instance {InstanceId} in the PostgreSQL store (sequence {sequence}) cannot be built on: {why}. A crash never leaves a partial row " +
        "(each batch is one transaction), so the database was edited or damaged. Keep it as evidence (check it with PostgreSqlAuditVerifier or 'aicompliance audit verify --postgres'), " +
        "and give this instance a new InstanceId.",
        AuditWriteFailure.ChainHeadInvalid);
}
