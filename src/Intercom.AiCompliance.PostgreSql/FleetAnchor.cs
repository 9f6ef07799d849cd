using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Intercom.AiCompliance.Audit;

namespace Intercom.AiCompliance.PostgreSql;

/// <summary>The head of one instance's audit chain, as an anchor cites it.</summary>
internal readonly record struct CitedHead(string InstanceId, long Sequence, string Mac);

/// <summary>
/// A cross-anchor: written by an instance in the same transaction as each batch of its records, it cites that
/// instance's new head and the heads of every other instance's chain as last seen, and is sealed with an HMAC under
/// the chain key. Anchors of one instance form a chain of their own (sequence and previous MAC).
/// </summary>
/// <remarks>
/// The stored body is compact JSON in a fixed order; the MAC is HMAC-SHA256 under the chain key over
/// <c>aicompliance-fleet-anchor-v1\n</c> followed by the body's exact bytes, so an anchor's MAC can never be taken for a
/// record's (a record's sealed body starts with <c>{</c>).
/// </remarks>
internal sealed record FleetAnchor(string InstanceId, long Sequence, DateTimeOffset At, string KeyId, string PreviousMac, IReadOnlyList<CitedHead> Heads)
{
    private static readonly byte[] Label = "aicompliance-fleet-anchor-v1\n"u8.ToArray();

    /// <summary>The body's exact bytes (what the MAC covers after the label).</summary>
    public byte[] ToBody()
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (Heads.Count * 120));
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("instance", InstanceId);
            w.WriteNumber("anchor", Sequence);
            w.WriteString("at", At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            w.WriteString("keyId", KeyId);
            w.WriteString("previousMac", PreviousMac);
            w.WriteStartArray("heads");
            foreach (var h in Heads)
            {
                w.WriteStartObject();
                w.WriteString("instance", h.InstanceId);
                w.WriteNumber("sequence", h.Sequence);
                w.WriteString("mac", h.Mac);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The anchor's MAC (64 lowercase hex digits) over <paramref name="body"/> under <paramref name="key"/>.</summary>
    public static string Seal(ReadOnlySpan<byte> body, AuditChainKey key)
    {
        var data = new byte[Label.Length + body.Length];
        Label.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(Label.Length));
        Span<byte> mac = stackalloc byte[32];
        key.ComputeMac(data, mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>Whether <paramref name="mac"/> is the MAC of <paramref name="body"/> under <paramref name="key"/>, compared in fixed time.</summary>
    public static bool MacMatches(ReadOnlySpan<byte> body, string mac, AuditChainKey key)
    {
        var expected = Encoding.ASCII.GetBytes(Seal(body, key));
        var actual = Encoding.ASCII.GetBytes(mac);
        return expected.Length == actual.Length && CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>Parses a stored body; <see langword="null"/> with <paramref name="error"/> when it is not an anchor in the form this package writes.</summary>
    public static FleetAnchor? TryParse(byte[] body, out string error)
    {
        error = string.Empty;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var heads = new List<CitedHead>();
            foreach (var h in root.GetProperty("heads").EnumerateArray())
            {
                heads.Add(new CitedHead(Text(h, "instance"), h.GetProperty("sequence").GetInt64(), Text(h, "mac")));
            }

            var anchor = new FleetAnchor(
                Text(root, "instance"),
                root.GetProperty("anchor").GetInt64(),
                DateTimeOffset.Parse(Text(root, "at"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                Text(root, "keyId"),
                Text(root, "previousMac"),
                heads);

            // Only the exact bytes this package writes: anything else was written by someone else.
            if (!anchor.ToBody().AsSpan().SequenceEqual(body))
            {
                error = "it is not in the exact form this package writes.";
                return null;
            }

            return anchor;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            error = $"it is not a readable anchor ({ex.GetType().Name}).";
            return null;
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.GetProperty(name).GetString() ?? throw new FormatException($"'{name}' is null.");
}
