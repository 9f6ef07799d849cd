using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// Rejected deployment ids by reason code, with their JSON written once: a plan is shared by every request in its
/// policy class, so its rejections are serialised once per plan rather than once per audit record.
/// </summary>
internal sealed class RejectionIndex : IReadOnlyDictionary<string, IReadOnlyList<string>>
{
    private readonly Dictionary<string, IReadOnlyList<string>> _byReason;

    public RejectionIndex(IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> byReason)
    {
        _byReason = new Dictionary<string, IReadOnlyList<string>>(byReason, StringComparer.Ordinal);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            RejectionsJsonConverter.WriteCore(writer, _byReason);
        }

        Json = buffer.WrittenSpan.ToArray();
    }

    public byte[] Json { get; }

    public IReadOnlyList<string> this[string key] => _byReason[key];

    public IEnumerable<string> Keys => _byReason.Keys;

    public IEnumerable<IReadOnlyList<string>> Values => _byReason.Values;

    public int Count => _byReason.Count;

    public bool ContainsKey(string key) => _byReason.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out IReadOnlyList<string> value) => _byReason.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, IReadOnlyList<string>>> GetEnumerator() => _byReason.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Writes rejections as <c>{"reason":["id",...]}</c> in their own order, reusing a plan's cached JSON.</summary>
internal sealed class RejectionsJsonConverter : JsonConverter<IReadOnlyDictionary<string, IReadOnlyList<string>>>
{
    public override IReadOnlyDictionary<string, IReadOnlyList<string>> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Rejections must be an object of reason codes to arrays of deployment ids.");
        }

        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString() ?? throw new JsonException("A rejection reason code is null.");
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException($"Rejections of '{key}' must be an array of deployment ids.");
            }

            var ids = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                ids.Add(reader.GetString() ?? throw new JsonException("A rejected deployment id is null."));
            }

            result[key] = ids;
        }

        return result;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, IReadOnlyList<string>> value, JsonSerializerOptions options)
    {
        if (value is RejectionIndex index)
        {
            writer.WriteRawValue(index.Json, skipInputValidation: true);
        }
        else
        {
            WriteCore(writer, value);
        }
    }

    internal static void WriteCore(Utf8JsonWriter writer, IReadOnlyDictionary<string, IReadOnlyList<string>> value)
    {
        writer.WriteStartObject();
        foreach (var (reason, ids) in value)
        {
            writer.WritePropertyName(reason);
            writer.WriteStartArray();
            foreach (var id in ids)
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}
