using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// The stored form of an audit record and the rules that seal it, shared by the writer and the verifier.
/// </summary>
/// <remarks>
/// A record is stored as one line: its JSON <em>body</em> (every field but the MAC, in a fixed order, compact,
/// non-ASCII escaped) with <c>,"mac":"&lt;64 hex&gt;"</c> inserted before the closing brace, then <c>\n</c>.
/// The MAC is HMAC-SHA256 under the chain key over the body's exact bytes: removing the
/// <c>,"mac":"…"</c> field from a stored line gives back, byte for byte, what was sealed. The body holds the
/// sequence, the key id and the previous record's MAC, so the MAC also seals the record's place in the chain.
/// Verification never re-serialises a stored line: any change to any byte, even one that leaves the JSON meaning
/// unchanged (whitespace, key order, a renamed key whose value is null, enum case, a duplicate key), breaks the MAC.
/// </remarks>
public static class AuditChain
{
    /// <summary>The length of a MAC in hex digits.</summary>
    internal const int MacHexLength = 64;

    // ,"mac":"  then 64 hex digits, then "}
    private static ReadOnlySpan<byte> MacFieldStart => ",\"mac\":\""u8;

    private static ReadOnlySpan<byte> MacFieldEnd => "\"}"u8;

    /// <summary>How many bytes the MAC field adds to the body: <c>,"mac":"</c>, 64 hex digits and <c>"</c>.</summary>
    internal static readonly int MacFieldLength = MacFieldStart.Length + MacHexLength + 1;

    /// <summary>The UTF-8 encoding used for audit files.</summary>
    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Serialises a record as its stored line (without the trailing newline).</summary>
    public static string ToJson(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var body = SerializeBody(record, new ArrayBufferWriter<byte>(1024));
        var line = new ArrayBufferWriter<byte>(body.Length + MacFieldLength + 2);
        WriteLine(record, body, line);
        return Utf8.GetString(line.WrittenSpan[..^1]);
    }

    /// <summary>Parses one stored line, checking its form but not its MAC (see <see cref="AuditChainVerifier"/>).</summary>
    /// <exception cref="JsonException">The line is not an audit record in its stored form.</exception>
    public static AuditRecord FromJson(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        byte[] bytes;
        try
        {
            bytes = Utf8.GetBytes(line);
        }
        catch (EncoderFallbackException)
        {
            throw new JsonException("The line is not valid text.");
        }

        return TryParseLine(bytes, out var record, out _, out var error) ? record : throw new JsonException(error);
    }

    /// <summary>
    /// Links <paramref name="record"/> after <paramref name="head"/> and seals it with <paramref name="key"/>: sets
    /// sequence, key id, previous MAC and MAC. When <paramref name="lines"/> is given, appends the stored line.
    /// </summary>
    internal static AuditRecord Link(AuditRecord record, AuditChainHead head, AuditChainKey key, ArrayBufferWriter<byte> scratch, ArrayBufferWriter<byte>? lines, Utf8JsonWriter? json = null)
    {
        var linked = record with { Sequence = head.Sequence + 1, KeyId = key.Id, PreviousMac = head.Mac, Mac = string.Empty };
        scratch.ResetWrittenCount();
        var body = SerializeBody(linked, scratch, json);
        linked = linked with { Mac = ComputeMac(body, key) };
        if (lines is not null)
        {
            WriteLine(linked, body, lines);
        }

        return linked;
    }

    /// <summary>Whether <paramref name="record"/>'s MAC matches its canonical body under <paramref name="key"/>.</summary>
    internal static bool MacMatches(AuditRecord record, AuditChainKey key)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        return MacMatches(SerializeBody(record, buffer), record.Mac, key);
    }

    /// <summary>Whether <paramref name="mac"/> (hex) is the MAC of <paramref name="body"/> under <paramref name="key"/>, compared in fixed time.</summary>
    internal static bool MacMatches(ReadOnlySpan<byte> body, string mac, AuditChainKey key)
    {
        Span<byte> expected = stackalloc byte[32];
        key.Mac(body, expected);
        Span<byte> expectedHex = stackalloc byte[MacHexLength];
        Convert.TryToHexStringLower(expected, expectedHex, out _);
        if (!IsMacForm(mac))
        {
            return false;
        }

        Span<byte> actualHex = stackalloc byte[MacHexLength];
        Encoding.ASCII.GetBytes(mac, actualHex);
        return CryptographicOperations.FixedTimeEquals(expectedHex, actualHex);
    }

    /// <summary>
    /// Splits a stored line (without its newline) into the record and the exact body bytes its MAC covers, checking
    /// only the form: a JSON object whose last field is <c>"mac"</c> with 64 lowercase hex digits.
    /// </summary>
    internal static bool TryParseLine(ReadOnlySpan<byte> line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AuditRecord? record, out byte[] body, out string error)
    {
        record = null;
        if (!TrySplitMac(line, out body, out var mac, out error))
        {
            return false;
        }

        try
        {
            record = JsonSerializer.Deserialize(body, AuditJsonContext.Default.AuditRecord);
        }
        catch (JsonException ex)
        {
            error = $"its fields are not an audit record ({ex.GetType().Name} at byte {ex.BytePositionInLine}).";
            return false;
        }

        if (record is null)
        {
            error = "the line is 'null', not an audit record.";
            return false;
        }

        record = record with { Mac = mac };
        return true;
    }

    /// <summary>Checks the line ends in its MAC field and splits it into the sealed body and the MAC.</summary>
    private static bool TrySplitMac(ReadOnlySpan<byte> line, out byte[] body, out string mac, out string error)
    {
        body = [];
        mac = string.Empty;
        error = string.Empty;
        var macStart = line.Length - MacFieldEnd.Length - MacHexLength - MacFieldStart.Length;
        if (macStart < 1 || line[0] != (byte)'{'
            || !line[macStart..].StartsWith(MacFieldStart)
            || !line.EndsWith(MacFieldEnd))
        {
            error = "the line does not end in its \"mac\" field.";
            return false;
        }

        var hex = line.Slice(macStart + MacFieldStart.Length, MacHexLength);
        foreach (var c in hex)
        {
            if (c is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
            {
                error = "its \"mac\" is not 64 lowercase hex digits.";
                return false;
            }
        }

        body = new byte[macStart + 1];
        line[..macStart].CopyTo(body);
        body[^1] = (byte)'}';
        mac = Encoding.ASCII.GetString(hex);
        return true;
    }

    /// <summary>The bytes every checkpoint line starts with (and no record line does).</summary>
    internal static ReadOnlySpan<byte> CheckpointStart => "{\"checkpoint\":"u8;

    private static ReadOnlySpan<byte> SequenceStart => "{\"sequence\":"u8;

    /// <summary>Reads the sequence a stored record line starts with, without parsing the rest.</summary>
    internal static bool TryReadSequence(ReadOnlySpan<byte> line, out long sequence)
    {
        sequence = 0;
        if (!line.StartsWith(SequenceStart))
        {
            return false;
        }

        var digits = line[SequenceStart.Length..];
        var end = digits.IndexOf((byte)',');
        return end > 0 && System.Buffers.Text.Utf8Parser.TryParse(digits[..end], out sequence, out var consumed) && consumed == end;
    }

    private static ReadOnlySpan<byte> PreviousMacStart => ",\"previousMac\":\""u8;

    /// <summary>
    /// Reads a sealed record line's links without parsing it: its sequence, its previous MAC and its MAC. For sinks that
    /// store the trail's lines as they are; the line is one the trail itself wrote.
    /// </summary>
    internal static bool TryReadLinks(ReadOnlySpan<byte> line, out long sequence, out string previousMac, out string mac)
    {
        previousMac = mac = string.Empty;
        if (!TryReadSequence(line, out sequence) || line.Length < MacFieldLength + 2 || !line.EndsWith(MacFieldEnd))
        {
            return false;
        }

        mac = Encoding.ASCII.GetString(line.Slice(line.Length - MacFieldEnd.Length - MacHexLength, MacHexLength));
        var at = line.LastIndexOf(PreviousMacStart);
        if (at < 0)
        {
            return false;
        }

        var rest = line[(at + PreviousMacStart.Length)..];
        var end = rest.IndexOf((byte)'"');
        if (end is not (0 or MacHexLength))
        {
            return false;
        }

        previousMac = Encoding.ASCII.GetString(rest[..end]);
        return true;
    }

    /// <summary>Whether a stored line is a checkpoint rather than a record.</summary>
    internal static bool IsCheckpointLine(ReadOnlySpan<byte> line) => line.StartsWith(CheckpointStart);

    /// <summary>Seals <paramref name="checkpoint"/> with <paramref name="key"/> and returns its stored line (without the newline).</summary>
    public static string SealCheckpoint(AuditCheckpoint checkpoint, AuditChainKey key)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(key);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, checkpoint with { Checkpoint = true, KeyId = key.Id, Mac = string.Empty }, AuditJsonContext.Default.AuditCheckpoint);
        }

        var body = buffer.WrittenSpan;
        var line = new ArrayBufferWriter<byte>(body.Length + MacFieldLength + 2);
        WriteLine(ComputeMac(body, key), body, line);
        return Utf8.GetString(line.WrittenSpan[..^1]);
    }

    /// <summary>Splits a stored checkpoint line (without its newline) into the checkpoint and the exact bytes its MAC covers.</summary>
    internal static bool TryParseCheckpoint(ReadOnlySpan<byte> line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AuditCheckpoint? checkpoint, out byte[] body, out string error)
    {
        checkpoint = null;
        if (!TrySplitMac(line, out body, out var mac, out error))
        {
            return false;
        }

        try
        {
            checkpoint = JsonSerializer.Deserialize(body, AuditJsonContext.Default.AuditCheckpoint);
        }
        catch (JsonException ex)
        {
            error = $"its fields are not a checkpoint ({ex.GetType().Name} at byte {ex.BytePositionInLine}).";
            return false;
        }

        if (checkpoint is not { Checkpoint: true })
        {
            error = "it is not a checkpoint.";
            checkpoint = null;
            return false;
        }

        checkpoint = checkpoint with { Mac = mac };
        return true;
    }

    /// <summary>Whether <paramref name="body"/> is exactly what this package writes for the record it holds.</summary>
    internal static bool IsCanonical(AuditRecord record, ReadOnlySpan<byte> body)
    {
        var buffer = new ArrayBufferWriter<byte>(body.Length + 16);
        return SerializeBody(record, buffer).SequenceEqual(body);
    }

    /// <summary>Serialises the body into <paramref name="buffer"/>, reusing <paramref name="json"/> (the writer's own) when given.</summary>
    private static ReadOnlySpan<byte> SerializeBody(AuditRecord record, ArrayBufferWriter<byte> buffer, Utf8JsonWriter? json = null)
    {
        var start = buffer.WrittenCount;
        if (json is null)
        {
            using var writer = new Utf8JsonWriter(buffer);
            JsonSerializer.Serialize(writer, record, AuditJsonContext.Default.AuditRecord);
        }
        else
        {
            json.Reset(buffer);
            JsonSerializer.Serialize(json, record, AuditJsonContext.Default.AuditRecord);
            json.Flush();
        }

        return buffer.WrittenSpan[start..];
    }

    private static string ComputeMac(ReadOnlySpan<byte> body, AuditChainKey key)
    {
        Span<byte> mac = stackalloc byte[32];
        key.Mac(body, mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>Appends the stored line of a sealed record: the body without its closing brace, the MAC field, '}', '\n'.</summary>
    private static void WriteLine(AuditRecord record, ReadOnlySpan<byte> body, ArrayBufferWriter<byte> lines) => WriteLine(record.Mac, body, lines);

    /// <summary>Appends a stored line: the body without its closing brace, the MAC field, '}', '\n'.</summary>
    private static void WriteLine(string mac, ReadOnlySpan<byte> body, ArrayBufferWriter<byte> lines)
    {
        var sealedMac = IsMacForm(mac);

        // A record that is not sealed (its MAC is not 64 lowercase hex digits) still serialises as valid JSON, and never verifies.
        var macToken = sealedMac ? null : JsonSerializer.SerializeToUtf8Bytes(mac);
        var length = body.Length - 1 + MacFieldStart.Length - 1 + (macToken?.Length ?? MacHexLength + 2) + 2;
        var span = lines.GetSpan(length);
        body[..^1].CopyTo(span);
        var at = body.Length - 1;
        MacFieldStart[..^1].CopyTo(span[at..]);
        at += MacFieldStart.Length - 1;
        if (macToken is null)
        {
            span[at++] = (byte)'"';
            at += Encoding.ASCII.GetBytes(mac, span[at..]);
            span[at++] = (byte)'"';
        }
        else
        {
            macToken.CopyTo(span[at..]);
            at += macToken.Length;
        }

        span[at++] = (byte)'}';
        span[at++] = (byte)'\n';
        lines.Advance(at);
    }

    private static bool IsMacForm(string mac)
    {
        if (mac.Length != MacHexLength)
        {
            return false;
        }

        foreach (var c in mac)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }
}
