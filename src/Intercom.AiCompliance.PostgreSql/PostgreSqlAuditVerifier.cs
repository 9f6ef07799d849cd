using System.Text;
using Intercom.AiCompliance.Audit;
using Npgsql;

namespace Intercom.AiCompliance.PostgreSql;

/// <summary>The result of verifying every audit chain and every anchor in a PostgreSQL store.</summary>
/// <param name="Chains">Each instance's chain and its result (lines are positions in that chain, from 1).</param>
/// <param name="AnchorCount">How many anchors were read.</param>
/// <param name="Problems">Everything found wrong outside or across the chains: anchors that do not verify, citations of records that are missing or different (a cut tail), records no anchor covers.</param>
public sealed record FleetVerificationResult(IReadOnlyDictionary<string, AuditVerificationResult> Chains, int AnchorCount, IReadOnlyList<string> Problems)
{
    /// <summary>Whether every chain verifies and no anchor or citation problem was found.</summary>
    public bool IsValid => Problems.Count == 0 && Chains.Values.All(c => c.IsValid);

    /// <summary>How many records verified, over all chains.</summary>
    public int RecordCount => Chains.Values.Sum(c => c.RecordCount);

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(IsValid
            ? $"Audit chains intact: {Chains.Count} instance chain(s), {RecordCount} record(s), {AnchorCount} anchor(s)."
            : $"Audit chains broken: {Chains.Count(c => !c.Value.IsValid)} of {Chains.Count} instance chain(s) broken, {Problems.Count} anchor problem(s).");
        foreach (var (instance, chain) in Chains.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append("  instance ").Append(instance).Append(": ").Append(chain.ToString());
        }

        foreach (var problem in Problems)
        {
            text.Append('\n').Append("  ").Append(problem);
        }

        return text.ToString();
    }
}

/// <summary>
/// Verifies the audit chains and cross-anchors a <see cref="PostgreSqlAuditSink"/> fleet stored in PostgreSQL: each
/// instance's chain byte for byte (as a JSON Lines file would be), each instance's anchors (MAC under the chain keys,
/// sequence and links), that each instance's last anchor cites its last record, and that every head any anchor cites
/// is a stored record with that MAC.
/// </summary>
/// <remarks>
/// It reads in one read-only, repeatable-read transaction, so a fleet writing at the same time is not disturbed and
/// is seen at one moment. It keeps one entry per distinct cited head in memory.
/// </remarks>
public static class PostgreSqlAuditVerifier
{
    /// <summary>Verifies the store at <paramref name="connectionString"/> under <paramref name="keys"/> (the current chain key and any retired ones).</summary>
    /// <exception cref="ArgumentException">The connection string is malformed, or no key was given.</exception>
    /// <exception cref="PostgreSqlStoreException">The database cannot be reached or read, or holds no store.</exception>
    public static FleetVerificationResult Verify(string connectionString, IEnumerable<AuditChainKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var keyById = new Dictionary<string, AuditChainKey>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
            keyById[key.Id] = key;
        }

        if (keyById.Count == 0)
        {
            throw new ArgumentException("Verifying an audit chain needs its chain key (AiCompliance:Audit:ChainKey), and any retired keys it was sealed with.", nameof(keys));
        }

        using var dataSource = PostgreSqlStore.CreateDataSource(connectionString, "aicompliance/verify");
        using var connection = PostgreSqlStore.OpenConnection(dataSource, "connect to the database");
        try
        {
            using var tx = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
            using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY;", connection, tx))
            {
                readOnly.ExecuteNonQuery();
            }

            var state = new State(keyById);
            ReadAnchors(connection, tx, state);
            var chains = ReadChains(connection, tx, keyById.Values, state);
            state.Finish(chains);
            return new FleetVerificationResult(chains, state.AnchorCount, state.Problems);
        }
        catch (NpgsqlException ex)
        {
            throw PostgreSqlStoreException.From("read the audit chains", ex);
        }
    }

    /// <summary>Verifies under one key.</summary>
    /// <inheritdoc cref="Verify(string, IEnumerable{AuditChainKey})"/>
    public static FleetVerificationResult Verify(string connectionString, AuditChainKey key) => Verify(connectionString, [key]);

    private static void ReadAnchors(NpgsqlConnection connection, NpgsqlTransaction tx, State state)
    {
        using var cmd = new NpgsqlCommand("SELECT instance_id, anchor_sequence, body, mac FROM aicompliance.audit_anchors ORDER BY instance_id, anchor_sequence;", connection, tx);
        using var reader = cmd.ExecuteReader();
        string? instance = null;
        long previous = 0;
        var previousMac = string.Empty;
        var broken = false;
        while (reader.Read())
        {
            state.AnchorCount++;
            var id = reader.GetString(0);
            var sequence = reader.GetInt64(1);
            if (!string.Equals(id, instance, StringComparison.Ordinal))
            {
                instance = id;
                previous = 0;
                previousMac = string.Empty;
                broken = false;
            }

            if (broken)
            {
                continue;
            }

            var where = $"anchor {sequence} of instance {id}";
            var body = reader.GetFieldValue<byte[]>(2);
            var mac = reader.GetString(3);
            var anchor = FleetAnchor.TryParse(body, out var error);
            string? problem = null;
            if (sequence != previous + 1)
            {
                problem = sequence > previous + 1 ? $"anchor(s) {previous + 1}..{sequence - 1} of instance {id} were removed before anchor {sequence}." : $"{where} is out of order.";
            }
            else if (anchor is null)
            {
                problem = $"{where} cannot be read: {error}";
            }
            else if (!string.Equals(anchor.InstanceId, id, StringComparison.Ordinal) || anchor.Sequence != sequence)
            {
                problem = $"{where} says it is anchor {anchor.Sequence} of instance {anchor.InstanceId}: it was moved.";
            }
            else if (!state.Keys.TryGetValue(anchor.KeyId, out var key))
            {
                problem = $"{where} is sealed with a key that is not among the keys given: pass the key it was written with.";
            }
            else if (!FleetAnchor.MacMatches(body, mac, key))
            {
                problem = $"{where} was edited or forged: its MAC does not match its bytes under key {key.Id}.";
            }
            else if (!string.Equals(anchor.PreviousMac, previousMac, StringComparison.Ordinal))
            {
                problem = $"{where} does not link to anchor {previous}: an anchor was replaced or inserted.";
            }

            if (problem is not null)
            {
                state.Problems.Add(problem);
                broken = true;
                continue;
            }

            previous = sequence;
            previousMac = mac;
            foreach (var head in anchor!.Heads)
            {
                state.Cite(head, where);
            }

            state.LastAnchor[id] = (sequence, anchor.Heads.FirstOrDefault(h => h.InstanceId == id));
        }
    }

    private static Dictionary<string, AuditVerificationResult> ReadChains(NpgsqlConnection connection, NpgsqlTransaction tx, IEnumerable<AuditChainKey> keys, State state)
    {
        using var cmd = new NpgsqlCommand("SELECT instance_id, sequence, line FROM aicompliance.audit_records ORDER BY instance_id, sequence;", connection, tx);
        using var reader = cmd.ExecuteReader();
        var cursor = new Cursor(reader);
        var chains = new Dictionary<string, AuditVerificationResult>(StringComparer.Ordinal);
        while (cursor.HasRow)
        {
            var instance = cursor.Instance;
            using var stream = new ChainStream(cursor, instance, state);
            chains[instance] = AuditChainVerifier.Verify(stream, keys);
            stream.Drain();
        }

        return chains;
    }

    /// <summary>What the checks have gathered: the keys, the citations still to be matched, the problems.</summary>
    private sealed class State(Dictionary<string, AuditChainKey> keys)
    {
        public Dictionary<string, AuditChainKey> Keys { get; } = keys;

        public List<string> Problems { get; } = [];

        public int AnchorCount { get; set; }

        /// <summary>Each instance's last good anchor and what it cites of its own chain.</summary>
        public Dictionary<string, (long Sequence, CitedHead Own)> LastAnchor { get; } = new(StringComparer.Ordinal);

        /// <summary>Each instance's last stored record.</summary>
        public Dictionary<string, (long Sequence, string Mac)> LastRecord { get; } = new(StringComparer.Ordinal);

        /// <summary>Cited heads not yet matched with a stored record, and the first anchor that cites each.</summary>
        private Dictionary<(string Instance, long Sequence), (string Mac, string By)> Pending { get; } = [];

        public void Cite(CitedHead head, string by)
        {
            if (head.Sequence == 0)
            {
                return;
            }

            if (Pending.TryGetValue((head.InstanceId, head.Sequence), out var known))
            {
                if (!string.Equals(known.Mac, head.Mac, StringComparison.Ordinal))
                {
                    Problems.Add($"{by} and {known.By} cite record {head.Sequence} of instance {head.InstanceId} with different MACs: one of them cites a record that was replaced.");
                }

                return;
            }

            Pending[(head.InstanceId, head.Sequence)] = (head.Mac, by);
        }

        public void Row(string instance, long sequence, byte[] line)
        {
            var mac = line.Length >= 66 ? Encoding.ASCII.GetString(line, line.Length - 66, 64) : string.Empty;
            LastRecord[instance] = (sequence, mac);
            if (Pending.Remove((instance, sequence), out var cited) && !string.Equals(cited.Mac, mac, StringComparison.Ordinal))
            {
                Problems.Add($"record {sequence} of instance {instance} is not the record {cited.By} cites (a different MAC): it was replaced.");
            }
        }

        public void Finish(Dictionary<string, AuditVerificationResult> chains)
        {
            foreach (var group in Pending.GroupBy(p => p.Key.Instance, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var highest = group.MaxBy(p => p.Key.Sequence);
                var last = LastRecord.TryGetValue(group.Key, out var l) ? l.Sequence : 0;
                Problems.Add(highest.Key.Sequence > last
                    ? $"instance {group.Key}'s chain ends at record {last}, but {highest.Value.By} cites its record {highest.Key.Sequence}: records were deleted from the tail of its chain."
                    : $"{group.Count()} record(s) of instance {group.Key} that anchors cite are missing (first cited by {group.First().Value.By}): records were deleted.");
            }

            foreach (var (instance, last) in LastRecord.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                if (!chains.TryGetValue(instance, out var chain) || !chain.IsValid)
                {
                    continue;
                }

                if (!LastAnchor.TryGetValue(instance, out var anchor))
                {
                    Problems.Add($"instance {instance} has {last.Sequence} record(s) but no anchor that verifies: its anchors were deleted or edited.");
                }
                else if (anchor.Own.Sequence < last.Sequence)
                {
                    Problems.Add($"instance {instance}'s last anchor ({anchor.Sequence}) cites its record {anchor.Own.Sequence}, but its chain goes on to record {last.Sequence}: " +
                        "anchors were deleted from its tail (each batch is stored with its anchor).");
                }
            }
        }
    }

    /// <summary>The rows of all chains in (instance, sequence) order, one row looked ahead.</summary>
    private sealed class Cursor
    {
        private readonly NpgsqlDataReader _reader;

        public Cursor(NpgsqlDataReader reader)
        {
            _reader = reader;
            Advance();
        }

        public bool HasRow { get; private set; }

        public string Instance { get; private set; } = string.Empty;

        public long Sequence { get; private set; }

        public byte[] Line { get; private set; } = [];

        public void Advance()
        {
            HasRow = _reader.Read();
            if (HasRow)
            {
                Instance = _reader.GetString(0);
                Sequence = _reader.GetInt64(1);
                Line = _reader.GetFieldValue<byte[]>(2);
            }
        }
    }

    /// <summary>One instance's rows as JSON Lines: each row's bytes followed by '\n'.</summary>
    private sealed class ChainStream(Cursor cursor, string instance, State state) : Stream
    {
        private byte[] _current = [];
        private int _at = 1;
        private bool _done;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        /// <summary>Reads the rest of this instance's rows (after a break), so their citations are still matched.</summary>
        public void Drain()
        {
            while (NextRow())
            {
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                if (_at == _current.Length + 1)
                {
                    if (!NextRow())
                    {
                        break;
                    }

                    _at = 0;
                }

                if (_at < _current.Length)
                {
                    var n = Math.Min(buffer.Length - written, _current.Length - _at);
                    _current.AsSpan(_at, n).CopyTo(buffer[written..]);
                    _at += n;
                    written += n;
                }
                else
                {
                    buffer[written++] = (byte)'\n';
                    _at++;
                }
            }

            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private bool NextRow()
        {
            if (_done || !cursor.HasRow || !string.Equals(cursor.Instance, instance, StringComparison.Ordinal))
            {
                _done = true;
                return false;
            }

            _current = cursor.Line;
            state.Row(instance, cursor.Sequence, _current);
            cursor.Advance();
            return true;
        }
    }
}
