using System.Text;

namespace Intercom.AiCompliance.Bedrock.EventStream;

/// <summary>The value types of an event-stream header, as the framing numbers them.</summary>
internal enum EventStreamHeaderType : byte
{
    BoolTrue = 0,
    BoolFalse = 1,
    Byte = 2,
    Int16 = 3,
    Int32 = 4,
    Int64 = 5,
    ByteArray = 6,
    String = 7,
    Timestamp = 8,
    Uuid = 9,
}

/// <summary>One typed header of an event-stream message; <see cref="Value"/> holds the value's bytes as framed (big-endian).</summary>
internal sealed class EventStreamHeader : IEquatable<EventStreamHeader>
{
    public EventStreamHeader(string name, EventStreamHeaderType type, byte[] value)
    {
        Name = name;
        Type = type;
        Value = value;
    }

    public string Name { get; }

    public EventStreamHeaderType Type { get; }

    public byte[] Value { get; }

    public static EventStreamHeader String(string name, string value) => new(name, EventStreamHeaderType.String, Encoding.UTF8.GetBytes(value));

    /// <summary>The value as text when it is a string header, else <see langword="null"/>.</summary>
    public string? AsString() => Type == EventStreamHeaderType.String ? Encoding.UTF8.GetString(Value) : null;

    /// <summary>The fixed size of a value of <paramref name="type"/>, or -1 when it is length-prefixed.</summary>
    public static int FixedSize(EventStreamHeaderType type) => type switch
    {
        EventStreamHeaderType.BoolTrue or EventStreamHeaderType.BoolFalse => 0,
        EventStreamHeaderType.Byte => 1,
        EventStreamHeaderType.Int16 => 2,
        EventStreamHeaderType.Int32 => 4,
        EventStreamHeaderType.Int64 or EventStreamHeaderType.Timestamp => 8,
        EventStreamHeaderType.Uuid => 16,
        _ => -1,
    };

    public bool Equals(EventStreamHeader? other) =>
        other is not null && Name == other.Name && Type == other.Type && Value.AsSpan().SequenceEqual(other.Value);

    public override bool Equals(object? obj) => Equals(obj as EventStreamHeader);

    public override int GetHashCode() => HashCode.Combine(Name, Type, Value.Length);

    public override string ToString() => $"{Name}:{Type}({Value.Length} bytes)";
}

/// <summary>One decoded event-stream message: its headers and its payload.</summary>
internal sealed class EventStreamMessage
{
    public EventStreamMessage(IReadOnlyList<EventStreamHeader> headers, ReadOnlyMemory<byte> payload)
    {
        Headers = headers;
        Payload = payload;
    }

    public IReadOnlyList<EventStreamHeader> Headers { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The string value of the first header named <paramref name="name"/>, if any.</summary>
    public string? Header(string name)
    {
        foreach (var h in Headers)
        {
            if (h.Name == name)
            {
                return h.AsString();
            }
        }

        return null;
    }
}
