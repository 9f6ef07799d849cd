using System.Text.Json;

namespace Intercom.AiCompliance.Audit;

/// <summary>The result of verifying an audit chain.</summary>
/// <param name="IsValid">Whether every link holds.</param>
/// <param name="RecordCount">How many records were read.</param>
/// <param name="BrokenAtLine">The 1-based line of the first broken link, when there is one.</param>
/// <param name="Problem">What is wrong there: edited, removed, inserted or reordered record, or unreadable line.</param>
public sealed record AuditVerificationResult(bool IsValid, int RecordCount, int? BrokenAtLine, string? Problem)
{
    /// <inheritdoc/>
    public override string ToString() => IsValid
        ? $"Audit chain intact: {RecordCount} record(s)."
        : $"Audit chain broken at line {BrokenAtLine}: {Problem}";
}

/// <summary>Checks a hash-chained audit trail and says where the first broken link is.</summary>
public static class AuditChainVerifier
{
    /// <summary>Verifies records in order.</summary>
    public static AuditVerificationResult Verify(IEnumerable<AuditRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return VerifyLines(records.Select(r => (AuditRecord?)r).Select((r, i) => (i + 1, r, (string?)null)));
    }

    /// <summary>Verifies a JSON Lines audit file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static AuditVerificationResult VerifyFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return VerifyLines(ReadFile(path));
    }

    private static IEnumerable<(int Line, AuditRecord? Record, string? Error)> ReadFile(string path)
    {
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, AuditChain.Utf8))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            AuditRecord? record = null;
            string? error = null;
            try
            {
                record = AuditChain.FromJson(line);
            }
            catch (JsonException ex)
            {
                error = $"the line is not a readable audit record ({ex.GetType().Name} at byte {ex.BytePositionInLine}).";
            }

            yield return (lineNumber, record, error);
        }
    }

    private static AuditVerificationResult VerifyLines(IEnumerable<(int Line, AuditRecord? Record, string? Error)> lines)
    {
        var count = 0;
        long previousSequence = 0;
        var previousHash = string.Empty;
        foreach (var (line, record, error) in lines)
        {
            if (record is null)
            {
                return new(false, count, line, error ?? "the line is empty.");
            }

            count++;
            if (AuditChain.ComputeHash(record) != record.Hash)
            {
                return new(false, count, line, $"record {record.Sequence} was edited: its content no longer matches its hash.");
            }

            if (record.PreviousHash != previousHash || record.Sequence != previousSequence + 1)
            {
                var problem = record.Sequence > previousSequence + 1
                    ? $"record(s) {previousSequence + 1}..{record.Sequence - 1} were removed before record {record.Sequence}."
                    : record.Sequence <= previousSequence
                        ? $"record {record.Sequence} is out of order or was inserted after record {previousSequence}."
                        : $"record {record.Sequence} does not link to record {previousSequence}: a record was inserted or replaced.";
                return new(false, count, line, problem);
            }

            previousSequence = record.Sequence;
            previousHash = record.Hash;
        }

        return new(true, count, null, null);
    }
}
