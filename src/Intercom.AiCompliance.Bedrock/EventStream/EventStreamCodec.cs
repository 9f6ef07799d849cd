using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Intercom.AiCompliance.Bedrock.EventStream;

/// <summary>
/// The AWS event-stream binary framing (<c>application/vnd.amazon.eventstream</c>): a 12-byte prelude (total length,
/// headers length, CRC32 of those 8 bytes), the headers, the payload, and a CRC32 of everything before it. All integers
/// are big-endian; the CRC is the standard CRC-32 (IEEE 802.3).
/// </summary>
internal static class EventStreamCodec
{
    /// <summary>Prelude (12) plus message CRC (4).</summary>
    public const int Overhead = 16;

    /// <summary>The framing's own limit on a header name (one length byte).</summary>
    public const int MaxHeaderNameBytes = 255;

    /// <summary>Encodes one message (the fake servers and the property tests use this; the client only decodes).</summary>
    public static byte[] Encode(EventStreamMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var headers = new MemoryStream();
        foreach (var h in message.Headers)
        {
            var name = Encoding.UTF8.GetBytes(h.Name);
            if (name.Length is 0 or > MaxHeaderNameBytes)
            {
                throw new ArgumentException("A header name takes 1 to 255 UTF-8 bytes.", nameof(message));
            }

            headers.WriteByte((byte)name.Length);
            headers.Write(name);
            headers.WriteByte((byte)h.Type);
            var size = EventStreamHeader.FixedSize(h.Type);
            if (size >= 0)
            {
                if (h.Value.Length != size)
                {
                    throw new ArgumentException($"A {h.Type} header value takes {size} bytes.", nameof(message));
                }
            }
            else
            {
                if (h.Value.Length > ushort.MaxValue)
                {
                    throw new ArgumentException("A header value takes at most 65535 bytes.", nameof(message));
                }

                headers.WriteByte((byte)(h.Value.Length >> 8));
                headers.WriteByte((byte)h.Value.Length);
            }

            headers.Write(h.Value);
        }

        var headerBytes = headers.ToArray();
        var total = Overhead + headerBytes.Length + message.Payload.Length;
        var frame = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(0, 4), (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4, 4), (uint)headerBytes.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8, 4), Crc32.HashToUInt32(frame.AsSpan(0, 8)));
        headerBytes.CopyTo(frame, 12);
        message.Payload.Span.CopyTo(frame.AsSpan(12 + headerBytes.Length));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(total - 4), Crc32.HashToUInt32(frame.AsSpan(0, total - 4)));
        return frame;
    }

    /// <summary>Checks the prelude of a frame and returns its total length.</summary>
    /// <exception cref="EventStreamFormatException">The prelude CRC does not match, or a length is out of bounds.</exception>
    public static int ReadPrelude(ReadOnlySpan<byte> prelude, int maxFrameBytes)
    {
        var total = BinaryPrimitives.ReadUInt32BigEndian(prelude);
        var headersLength = BinaryPrimitives.ReadUInt32BigEndian(prelude[4..]);
        var crc = BinaryPrimitives.ReadUInt32BigEndian(prelude[8..]);
        if (Crc32.HashToUInt32(prelude[..8]) != crc)
        {
            throw new EventStreamFormatException("event-stream prelude CRC mismatch: the frame is corrupted.");
        }

        if (total < Overhead || total > (uint)maxFrameBytes)
        {
            throw new EventStreamFormatException($"event-stream frame length {total} is outside 16..{maxFrameBytes} bytes.");
        }

        if (headersLength > total - Overhead)
        {
            throw new EventStreamFormatException("event-stream headers length exceeds the frame.");
        }

        return (int)total;
    }

    /// <summary>Decodes one whole frame whose prelude <see cref="ReadPrelude"/> accepted.</summary>
    /// <exception cref="EventStreamFormatException">The message CRC does not match, or a header is malformed.</exception>
    public static EventStreamMessage DecodeFrame(ReadOnlySpan<byte> frame)
    {
        var total = frame.Length;
        var crc = BinaryPrimitives.ReadUInt32BigEndian(frame[(total - 4)..]);
        if (Crc32.HashToUInt32(frame[..(total - 4)]) != crc)
        {
            throw new EventStreamFormatException("event-stream message CRC mismatch: the frame is corrupted.");
        }

        var headersLength = (int)BinaryPrimitives.ReadUInt32BigEndian(frame[4..]);
        var headers = ParseHeaders(frame.Slice(12, headersLength));
        var payload = frame.Slice(12 + headersLength, total - Overhead - headersLength).ToArray();
        return new EventStreamMessage(headers, payload);
    }

    private static List<EventStreamHeader> ParseHeaders(ReadOnlySpan<byte> span)
    {
        var headers = new List<EventStreamHeader>();
        var i = 0;
        while (i < span.Length)
        {
            int nameLength = span[i++];
            if (nameLength == 0 || i + nameLength + 1 > span.Length)
            {
                throw new EventStreamFormatException("event-stream header name is empty or runs past the headers.");
            }

            string name;
            try
            {
                name = new UTF8Encoding(false, true).GetString(span.Slice(i, nameLength));
            }
            catch (DecoderFallbackException)
            {
                throw new EventStreamFormatException("event-stream header name is not UTF-8.");
            }

            i += nameLength;
            var type = span[i++];
            if (type > (byte)EventStreamHeaderType.Uuid)
            {
                throw new EventStreamFormatException($"event-stream header type {type} is unknown.");
            }

            var size = EventStreamHeader.FixedSize((EventStreamHeaderType)type);
            if (size < 0)
            {
                if (i + 2 > span.Length)
                {
                    throw new EventStreamFormatException("event-stream header value length runs past the headers.");
                }

                size = BinaryPrimitives.ReadUInt16BigEndian(span[i..]);
                i += 2;
            }

            if (i + size > span.Length)
            {
                throw new EventStreamFormatException("event-stream header value runs past the headers.");
            }

            headers.Add(new EventStreamHeader(name, (EventStreamHeaderType)type, span.Slice(i, size).ToArray()));
            i += size;
        }

        return headers;
    }
}
