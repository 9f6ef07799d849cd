using System.Text;
using System.Text.Json;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// Exports the old records of a JSON Lines audit file to a new file that verifies on its own (a copy of the file's first
/// lines, its leading checkpoint included). The source is read, never changed: a JSON Lines file is not pruned in place
/// (its writer appends to it); start a new file instead and keep the old one's export.
/// </summary>
public static class JsonLinesAuditExport
{
    /// <summary>
    /// Copies the records of <paramref name="source"/> written before <paramref name="cutoff"/> to
    /// <paramref name="destination"/>, keeping a write-ahead intent with its outcome when the outcome is newer (the copy
    /// then stops before the intent), and verifies the copy under <paramref name="keys"/>.
    /// </summary>
    /// <returns>What was exported; <see cref="AuditRetentionResult.Pruned"/> is always false.</returns>
    /// <exception cref="IOException"><paramref name="destination"/> exists already.</exception>
    /// <exception cref="InvalidOperationException">The source is not a readable audit file, or the copy does not verify (the copy is then deleted).</exception>
    public static AuditRetentionResult Export(string source, DateTimeOffset cutoff, string destination, IEnumerable<AuditChainKey> keys)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        var keyList = keys?.ToArray() ?? throw new ArgumentNullException(nameof(keys));
        var path = Path.GetFullPath(destination);
        var lines = File.ReadLines(source, AuditChain.Utf8).GetEnumerator();
        long through;
        var ends = new List<(long Sequence, long End)>();
        var open = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024))
        {
            var index = 0;
            var stopped = false;
            while (lines.MoveNext())
            {
                var line = lines.Current;
                var bytes = AuditChain.Utf8.GetBytes(line);
                if (index++ == 0 && AuditChain.IsCheckpointLine(bytes))
                {
                    output.Write(bytes);
                    output.WriteByte((byte)'\n');
                    continue;
                }

                AuditRecord record;
                try
                {
                    record = AuditChain.FromJson(line);
                }
                catch (JsonException ex)
                {
                    throw new InvalidOperationException($"Line {index} of '{source}' is not an audit record ({ex.Message}): verify the file first.");
                }

                if (record.Timestamp >= cutoff)
                {
                    stopped = true;
                    break;
                }

                if (record.Outcome == AuditOutcome.Intent)
                {
                    open.TryAdd(record.EventId, record.Sequence);
                }
                else
                {
                    open.Remove(record.EventId);
                }

                output.Write(bytes);
                output.WriteByte((byte)'\n');
                ends.Add((record.Sequence, output.Position));
            }

            through = ends.Count == 0 ? 0 : ends[^1].Sequence;
            if (stopped && open.Count > 0)
            {
                // An open intent whose outcome comes later in the file stays with it.
                var later = new HashSet<string>(StringComparer.Ordinal);
                do
                {
                    var line = lines.Current;
                    foreach (var id in open.Keys)
                    {
                        if (line.Contains($"\"eventId\":\"{id}\"", StringComparison.Ordinal))
                        {
                            later.Add(id);
                        }
                    }
                }
                while (lines.MoveNext());

                foreach (var (id, sequence) in open)
                {
                    if (later.Contains(id))
                    {
                        through = Math.Min(through, sequence - 1);
                    }
                }
            }

            var kept = ends.FindLastIndex(e => e.Sequence <= through);
            if (kept >= 0)
            {
                output.SetLength(ends[kept].End);
                output.Flush(flushToDisk: true);
            }

            through = kept < 0 ? 0 : ends[kept].Sequence;
        }

        lines.Dispose();
        if (through == 0)
        {
            File.Delete(path);
            return new AuditRetentionResult(0, null, 0, false);
        }

        var check = AuditChainVerifier.VerifyFile(path, keyList);
        if (!check.IsValid)
        {
            File.Delete(path);
            throw new InvalidOperationException($"The export of '{source}' up to record {through} does not verify ({check.Problem}); no export was kept.");
        }

        return new AuditRetentionResult(check.RecordCount, path, through, false);
    }
}
