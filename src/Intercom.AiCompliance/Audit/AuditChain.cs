using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Intercom.AiCompliance.Audit;

/// <summary>The hashing rules of the audit chain, shared by the writer and the verifier.</summary>
public static class AuditChain
{
    /// <summary>Serialises a record as one JSON line (no trailing newline).</summary>
    public static string ToJson(AuditRecord record) => JsonSerializer.Serialize(record, AuditJsonContext.Default.AuditRecord);

    /// <summary>Parses one JSON line.</summary>
    /// <exception cref="JsonException">The line is not an audit record.</exception>
    public static AuditRecord FromJson(string line) =>
        JsonSerializer.Deserialize(line, AuditJsonContext.Default.AuditRecord)
        ?? throw new JsonException("The line is 'null', not an audit record.");

    /// <summary>Computes a record's hash: SHA-256 over its canonical JSON with an empty <see cref="AuditRecord.Hash"/>.</summary>
    public static string ComputeHash(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var canonical = JsonSerializer.SerializeToUtf8Bytes(record with { Hash = string.Empty }, AuditJsonContext.Default.AuditRecord);
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }

    /// <summary>Links <paramref name="record"/> after the record with <paramref name="previousSequence"/> and <paramref name="previousHash"/>: sets sequence, previous hash and hash.</summary>
    public static AuditRecord Link(AuditRecord record, long previousSequence, string previousHash)
    {
        ArgumentNullException.ThrowIfNull(record);
        var linked = record with { Sequence = previousSequence + 1, PreviousHash = previousHash, Hash = string.Empty };
        return linked with { Hash = ComputeHash(linked) };
    }

    /// <summary>The UTF-8 encoding used for audit files.</summary>
    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
}
