using System.Text.Json;
using System.Text.Json.Serialization;

namespace Intercom.AiCompliance.Catalog;

/// <summary>Reads and writes a <see cref="Region"/> as its code, such as <c>"EU"</c>.</summary>
public sealed class RegionJsonConverter : JsonConverter<Region>
{
    /// <inheritdoc/>
    public override Region Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && Region.TryParse(reader.GetString(), out var r)
            ? r
            : throw new JsonException("A region must be a code such as \"US\", \"EU\" or \"AU\".");

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, Region value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.Code);
    }
}
