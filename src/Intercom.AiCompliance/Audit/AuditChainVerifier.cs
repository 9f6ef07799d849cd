using System.Buffers;

namespace Intercom.AiCompliance.Audit;

/// <summary>The result of verifying an audit chain.</summary>
/// <param name="IsValid">Whether every record verifies under the keys given and every link holds.</param>
/// <param name="RecordCount">How many records verified before the first problem (all of them when valid).</param>
/// <param name="BrokenAtLine">The 1-based line (or position) of the first problem, when there is one.</param>
/// <param name="Problem">What is wrong there: an edited or forged record, a removed, inserted or reordered record, an unknown key, or an unreadable or incomplete line.</param>
public sealed record AuditVerificationResult(bool IsValid, int RecordCount, int? BrokenAtLine, string? Problem)
{
    /// <summary>
    /// Write-ahead intents (<see cref="AuditOutcome.Intent"/>) with no outcome record after them, in chain order: the
    /// writer stopped (a crash, a kill) after the request's Input may have left the process, or, in a store still being
    /// written, the request is in flight. Reported whether or not the chain is intact (up to the first problem when it
    /// is not); the chain itself can still be intact.
    /// </summary>
    public IReadOnlyList<AuditOpenIntent> IntentsWithoutOutcome { get; init; } = [];

    /// <summary>The sequence of the pruned head a signed checkpoint named when the chain started from one; otherwise null.</summary>
    public long? CheckpointSequence { get; init; }

    /// <summary>Equal when every field is, the intents without outcome compared item by item.</summary>
    public bool Equals(AuditVerificationResult? other) =>
        other is not null && IsValid == other.IsValid && RecordCount == other.RecordCount && BrokenAtLine == other.BrokenAtLine
        && string.Equals(Problem, other.Problem, StringComparison.Ordinal) && CheckpointSequence == other.CheckpointSequence
        && IntentsWithoutOutcome.SequenceEqual(other.IntentsWithoutOutcome);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(IsValid, RecordCount, BrokenAtLine, Problem, CheckpointSequence, IntentsWithoutOutcome.Count);

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = IsValid
            ? $"Audit chain intact: {RecordCount} record(s){(CheckpointSequence is { } c ? $" after the signed checkpoint of pruned record {c}" : string.Empty)}."
            : $"Audit chain broken at line {BrokenAtLine}: {Problem}";
        foreach (var open in IntentsWithoutOutcome)
        {
            text += Environment.NewLine + open;
        }

        return text;
    }
}

/// <summary>A write-ahead intent with no outcome record after it.</summary>
/// <param name="EventId">The request's event id.</param>
/// <param name="Sequence">The intent record's sequence.</param>
/// <param name="Line">Its line (or position) in what was verified, from 1.</param>
public sealed record AuditOpenIntent(string EventId, long Sequence, int Line)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"Intent without outcome: event {EventId} (record {Sequence}, line {Line}): the writer stopped after this request's Input may have been sent, or the request is still in flight.";
}

/// <summary>
/// Checks a MAC-chained audit trail under the chain key(s) and says where the first problem is. Give every key the
/// trail may have used (the current one and any retired ones): each record names the id of the key that sealed it.
/// </summary>
/// <remarks>
/// A file is checked byte for byte: each line's MAC must match the line's own bytes without its MAC field, so a file
/// verifies only if nobody without the key changed a byte of it. What the chain alone cannot show is a file cut at a
/// line boundary (the last records removed) or replaced as a whole by an older copy: anchor the latest head
/// elsewhere for that (docs/audit.md).
/// </remarks>
public static class AuditChainVerifier
{
    /// <summary>The longest line accepted: 4 MiB. A record is a few kilobytes.</summary>
    internal const int MaxLineBytes = 4 * 1024 * 1024;

    /// <summary>Verifies records (for example read back from a host's own sink) in chain order.</summary>
    /// <param name="records">The records, in order.</param>
    /// <param name="key">The chain key the records are sealed with.</param>
    public static AuditVerificationResult Verify(IEnumerable<AuditRecord> records, AuditChainKey key) => Verify(records, [key]);

    /// <summary>Verifies records (for example read back from a host's own sink) in chain order.</summary>
    /// <param name="records">The records, in order.</param>
    /// <param name="keys">The chain key(s) the records may be sealed with: the current one and any retired ones.</param>
    /// <exception cref="ArgumentException">No key was given.</exception>
    public static AuditVerificationResult Verify(IEnumerable<AuditRecord> records, IEnumerable<AuditChainKey> keys)
    {
        ArgumentNullException.ThrowIfNull(records);
        var check = new ChainCheck(keys);
        var position = 0;
        var scratch = new ArrayBufferWriter<byte>(2048);
        foreach (var record in records)
        {
            position++;
            if (record is null)
            {
                return check.Broken(position, "the record is missing (null).");
            }

            scratch.ResetWrittenCount();
            using (var writer = new System.Text.Json.Utf8JsonWriter(scratch))
            {
                System.Text.Json.JsonSerializer.Serialize(writer, record, AuditJsonContext.Default.AuditRecord);
            }

            if (check.Record(record, scratch.WrittenSpan, position) is { } problem)
            {
                return check.Broken(position, problem);
            }
        }

        return check.Intact();
    }

    /// <summary>Verifies a JSON Lines audit file, byte for byte, under one key.</summary>
    /// <param name="path">The file.</param>
    /// <param name="key">The chain key the records are sealed with.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static AuditVerificationResult VerifyFile(string path, AuditChainKey key) => VerifyFile(path, [key]);

    /// <summary>Verifies a JSON Lines audit file, byte for byte.</summary>
    /// <param name="path">The file.</param>
    /// <param name="keys">The chain key(s) the records may be sealed with: the current one and any retired ones.</param>
    /// <exception cref="ArgumentException">No key was given.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static AuditVerificationResult VerifyFile(string path, IEnumerable<AuditChainKey> keys)
    {
        ArgumentNullException.ThrowIfNull(path);
        var check = new ChainCheck(keys);

        // Shared with a running writer: it holds its exclusive lock on a separate lock file, not on the data.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        return VerifyLines(stream, check);
    }

    /// <summary>Verifies a JSON Lines audit trail read from <paramref name="stream"/>, byte for byte, under one key.</summary>
    /// <param name="stream">The trail's bytes, from the first line.</param>
    /// <param name="key">The chain key the records are sealed with.</param>
    public static AuditVerificationResult Verify(Stream stream, AuditChainKey key) => Verify(stream, [key]);

    /// <summary>Verifies a JSON Lines audit trail read from <paramref name="stream"/>, byte for byte.</summary>
    /// <param name="stream">The trail's bytes, from the first line.</param>
    /// <param name="keys">The chain key(s) the records may be sealed with: the current one and any retired ones.</param>
    /// <exception cref="ArgumentException">No key was given.</exception>
    public static AuditVerificationResult Verify(Stream stream, IEnumerable<AuditChainKey> keys)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return VerifyLines(stream, new ChainCheck(keys));
    }

    private static AuditVerificationResult VerifyLines(Stream stream, ChainCheck check)
    {
        var buffer = new byte[64 * 1024];
        int start = 0, end = 0, line = 0;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line++;
                var text = buffer.AsSpan(start, newline);
                var problem = text.IsEmpty
                    ? "the line is empty: the writer never writes an empty line."
                    : AuditChain.IsCheckpointLine(text)
                        ? !AuditChain.TryParseCheckpoint(text, out var checkpoint, out var checkpointBody, out var checkpointError)
                            ? "the line is not a readable checkpoint: " + checkpointError
                            : check.Checkpoint(checkpoint, checkpointBody)
                        : !AuditChain.TryParseLine(text, out var record, out var body, out var error)
                            ? "the line is not a readable audit record: " + error
                            : check.Record(record, body, line);
                if (problem is not null)
                {
                    return check.Broken(line, problem);
                }

                start += newline + 1;
                continue;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                if (buffer.Length >= MaxLineBytes)
                {
                    return check.Broken(line + 1, $"the line is longer than {MaxLineBytes / (1024 * 1024)} MiB: not an audit record.");
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = stream.Read(buffer, end, buffer.Length - end);
            if (read == 0)
            {
                return end > start
                    ? check.Broken(line + 1, $"the last line is incomplete ({end - start} byte(s) without a newline): a write still in progress, a write cut short by a crash (the writer moves it aside at its next start), or a file cut in the middle of a line.")
                    : check.Intact();
            }

            end += read;
        }
    }

    /// <summary>The running state of one verification: the keys, the last verified link and the count.</summary>
    private sealed class ChainCheck
    {
        private readonly Dictionary<string, AuditChainKey> _keys = new(StringComparer.Ordinal);
        private readonly HashSet<string> _leftBehind = new(StringComparer.Ordinal);
        private string? _sealingKeyId;
        private long _previousSequence;
        private string _previousMac = string.Empty;
        private int _count;
        private bool _started;
        private long? _checkpoint;

        // Intents seen and not yet followed by their outcome, by event id, in chain order.
        private readonly Dictionary<string, AuditOpenIntent> _open = new(StringComparer.Ordinal);

        public ChainCheck(IEnumerable<AuditChainKey> keys)
        {
            ArgumentNullException.ThrowIfNull(keys);
            foreach (var key in keys)
            {
                ArgumentNullException.ThrowIfNull(key, nameof(keys));
                _keys[key.Id] = key;
            }

            if (_keys.Count == 0)
            {
                throw new ArgumentException("Verifying an audit chain needs its chain key (AiCompliance:Audit:ChainKey), and any retired keys it was sealed with.", nameof(keys));
            }
        }

        /// <summary>A signed checkpoint: valid only as the first line; the chain then continues from the head it names.</summary>
        public string? Checkpoint(AuditCheckpoint checkpoint, ReadOnlySpan<byte> body)
        {
            if (!_keys.TryGetValue(checkpoint.KeyId, out var key))
            {
                return $"the checkpoint is sealed with {AuditChainKey.Describe(checkpoint.KeyId)}, which is not among the keys given: pass the key it was written with.";
            }

            if (!AuditChain.MacMatches(body, checkpoint.Mac, key))
            {
                return $"the checkpoint was edited or forged: its MAC does not match its bytes under key {key.Id}.";
            }

            if (_started)
            {
                return $"a checkpoint (of pruned record {checkpoint.Sequence}) stands after the start of the chain: a checkpoint is only ever the first line of what remains after pruning.";
            }

            if (checkpoint.Sequence < 1 || checkpoint.HeadMac.Length != AuditChain.MacHexLength)
            {
                return "the checkpoint does not name a pruned head (a sequence from 1 and a 64-digit MAC).";
            }

            _started = true;
            _checkpoint = checkpoint.Sequence;
            _previousSequence = checkpoint.Sequence;
            _previousMac = checkpoint.HeadMac;
            return null;
        }

        public string? Record(AuditRecord record, ReadOnlySpan<byte> body, int line)
        {
            if (!_keys.TryGetValue(record.KeyId, out var key))
            {
                return $"the record is sealed with {AuditChainKey.Describe(record.KeyId)}, which is not among the keys given: pass the key it was written with (a retired key, or the wrong key was given).";
            }

            if (!AuditChain.MacMatches(body, record.Mac, key))
            {
                return $"the record was edited or forged: its MAC does not match its bytes under key {key.Id}.";
            }

            if (record.PreviousMac != _previousMac || record.Sequence != _previousSequence + 1)
            {
                return record.Sequence > _previousSequence + 1
                    ? $"record(s) {_previousSequence + 1}..{record.Sequence - 1} were removed before record {record.Sequence}."
                    : record.Sequence <= _previousSequence
                        ? $"record {record.Sequence} is out of order or was inserted after record {_previousSequence}."
                        : $"record {record.Sequence} does not link to record {_previousSequence}: a record was inserted or replaced, or two writers forked the chain.";
            }

            // Keys only move forward: once the chain has moved on from a key, that key seals nothing later. Otherwise
            // whoever obtains a retired key (rotated out because it leaked, say) could append records that verify.
            if (_sealingKeyId is not null && record.KeyId != _sealingKeyId)
            {
                if (_leftBehind.Contains(record.KeyId))
                {
                    return $"record {record.Sequence} is sealed with key {record.KeyId}, which the chain had already moved on from: a retired key cannot seal later records (forged with a retired key, or a rotation rolled back).";
                }

                _leftBehind.Add(_sealingKeyId);
            }

            _sealingKeyId = record.KeyId;
            _previousSequence = record.Sequence;
            _previousMac = record.Mac;
            _started = true;
            _count++;
            if (record.Outcome == AuditOutcome.Intent)
            {
                // A second intent for the same request (a failover beyond the first one's destinations) keeps the first open.
                _open.TryAdd(record.EventId, new AuditOpenIntent(record.EventId, record.Sequence, line));
            }
            else if (_open.Count > 0)
            {
                _open.Remove(record.EventId);
            }

            return null;
        }

        public AuditVerificationResult Broken(int line, string problem) => new(false, _count, line, problem) { IntentsWithoutOutcome = OpenIntents(), CheckpointSequence = _checkpoint };

        public AuditVerificationResult Intact() => new(true, _count, null, null) { IntentsWithoutOutcome = OpenIntents(), CheckpointSequence = _checkpoint };

        private AuditOpenIntent[] OpenIntents() => [.. _open.Values.OrderBy(i => i.Sequence)];
    }
}
