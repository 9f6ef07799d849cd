using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Bedrock.EventStream;
using Intercom.AiCompliance.Bedrock.Tests.Helpers;

namespace Intercom.AiCompliance.Bedrock.Tests.EventStream;

/// <summary>The AWS event-stream framing: what the encoder writes the reader gives back, however the bytes arrive, and any damage is caught.</summary>
[CancelAfter(30_000)]
public class EventStreamReaderTests
{
    private static EventStreamMessage Event(string type, string json) => new(
        [EventStreamHeader.String(":event-type", type), EventStreamHeader.String(":content-type", "application/json"), EventStreamHeader.String(":message-type", "event")],
        Encoding.UTF8.GetBytes(json));

    private static async Task<List<EventStreamMessage>> ReadAll(byte[] bytes, IReadOnlyList<int> chunks, int max = 1 << 20)
    {
        var reader = new EventStreamReader(new ChunkedStream(bytes, chunks), max);
        var messages = new List<EventStreamMessage>();
        while (await reader.ReadAsync(CancellationToken.None) is { } m)
        {
            messages.Add(m);
        }

        return messages;
    }

    [Test]
    public void Crc32_StandardCheckValue_IsCbf43926() =>
        Crc32.HashToUInt32("123456789"u8).Should().Be(0xCBF43926u, "the framing uses the standard CRC-32 (IEEE)");

    [Test]
    public void Encode_KnownMessage_HasThePreludeLengthsAndCrcsOfTheSpecification()
    {
        var frame = EventStreamCodec.Encode(new EventStreamMessage([EventStreamHeader.String("a", "b")], "{}"u8.ToArray()));

        // headers: name length 1, "a", type 7, value length 0x0001, "b" = 6 bytes; payload 2; overhead 16.
        BinaryPrimitives.ReadUInt32BigEndian(frame).Should().Be(24u);
        BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(4)).Should().Be(6u);
        BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(8)).Should().Be(Crc32.HashToUInt32(frame.AsSpan(0, 8)));
        frame.AsSpan(12, 6).ToArray().Should().Equal(1, (byte)'a', 7, 0, 1, (byte)'b');
        BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(20)).Should().Be(Crc32.HashToUInt32(frame.AsSpan(0, 20)));
    }

    [Test]
    public async Task ReadAsync_TwoFramesOneByteAtATime_GivesBothMessagesThenEnd()
    {
        var bytes = EventStreamCodec.Encode(Event("contentBlockDelta", """{"delta":{"text":"Hel"}}"""))
            .Concat(EventStreamCodec.Encode(Event("messageStop", """{"stopReason":"end_turn"}"""))).ToArray();

        var messages = await ReadAll(bytes, []);

        messages.Select(m => m.Header(":event-type")).Should().Equal("contentBlockDelta", "messageStop");
        Encoding.UTF8.GetString(messages[0].Payload.Span).Should().Be("""{"delta":{"text":"Hel"}}""");
    }

    [Test]
    public async Task ReadAsync_PayloadByteFlipped_ThrowsMessageCrcMismatchNotText()
    {
        var frame = EventStreamCodec.Encode(Event("contentBlockDelta", """{"delta":{"text":"Hello"}}"""));
        frame[^8] ^= 0x20;

        await FluentActions.Awaiting(() => ReadAll(frame, [frame.Length])).Should().ThrowAsync<EventStreamFormatException>().WithMessage("*message CRC*");
    }

    [Test]
    public async Task ReadAsync_TotalLengthFlipped_ThrowsPreludeCrcMismatchBeforeReadingTheBody()
    {
        var frame = EventStreamCodec.Encode(Event("messageStop", "{}"));
        frame[2] ^= 0x01;

        await FluentActions.Awaiting(() => ReadAll(frame, [frame.Length])).Should().ThrowAsync<EventStreamFormatException>().WithMessage("*prelude CRC*");
    }

    [Test]
    public async Task ReadAsync_FrameLargerThanTheBound_IsRefusedFromItsPrelude()
    {
        var frame = EventStreamCodec.Encode(Event("contentBlockDelta", new string('x', 5000)));

        await FluentActions.Awaiting(() => ReadAll(frame, [frame.Length], max: 1024)).Should().ThrowAsync<EventStreamFormatException>().WithMessage("*outside 16..1024*");
    }

    [Test]
    public async Task ReadAsync_StreamCutInsideAFrame_ThrowsTruncated()
    {
        var frame = EventStreamCodec.Encode(Event("messageStop", "{}"));

        await FluentActions.Awaiting(() => ReadAll(frame[..^3], [])).Should().ThrowAsync<EventStreamFormatException>().WithMessage("*ended inside a frame*");
    }

    [Test]
    public async Task ReadAsync_EveryHeaderType_RoundTrips()
    {
        var headers = new[]
        {
            new EventStreamHeader("t", EventStreamHeaderType.BoolTrue, []),
            new EventStreamHeader("f", EventStreamHeaderType.BoolFalse, []),
            new EventStreamHeader("b", EventStreamHeaderType.Byte, [7]),
            new EventStreamHeader("s", EventStreamHeaderType.Int16, [0, 9]),
            new EventStreamHeader("i", EventStreamHeaderType.Int32, [0, 0, 1, 0]),
            new EventStreamHeader("l", EventStreamHeaderType.Int64, [0, 0, 0, 0, 0, 0, 0, 1]),
            new EventStreamHeader("ba", EventStreamHeaderType.ByteArray, [1, 2, 3]),
            EventStreamHeader.String("str", "value"),
            new EventStreamHeader("ts", EventStreamHeaderType.Timestamp, [0, 0, 1, 0x8b, 0, 0, 0, 0]),
            new EventStreamHeader("u", EventStreamHeaderType.Uuid, Enumerable.Range(0, 16).Select(i => (byte)i).ToArray()),
        };

        var read = (await ReadAll(EventStreamCodec.Encode(new EventStreamMessage(headers, Array.Empty<byte>())), [3, 5, 7])).Single();

        read.Headers.Should().Equal(headers);
    }

    private static Arbitrary<EventStreamHeader> Headers() => Gen.OneOf(
            Gen.Elements(EventStreamHeaderType.BoolTrue, EventStreamHeaderType.BoolFalse, EventStreamHeaderType.Byte, EventStreamHeaderType.Int16,
                EventStreamHeaderType.Int32, EventStreamHeaderType.Int64, EventStreamHeaderType.Timestamp, EventStreamHeaderType.Uuid)
                .SelectMany(t => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), EventStreamHeader.FixedSize(t)).Select(v => (t, v))),
            Gen.Elements(EventStreamHeaderType.ByteArray, EventStreamHeaderType.String)
                .SelectMany(t => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>()).Select(v => (t, v))))
        .SelectMany(tv => Gen.Elements(":event-type", ":message-type", "x", "a-longer-header-name", "ünïcode").Select(n => new EventStreamHeader(n, tv.t, tv.v)))
        .ToArbitrary();

    private static Gen<EventStreamMessage> Messages() =>
        from headers in Gen.ListOf(Headers().Generator).Select(h => h.Take(8).ToList())
        from payload in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())
        select new EventStreamMessage(headers, payload);

    [FsCheck.NUnit.Property(MaxTest = 300)]
    public Property EncodeThenRead_AnyMessagesAnyChunking_GivesTheSameMessages() =>
        Prop.ForAll(Gen.ListOf(Messages()).Select(m => m.Take(5).ToList()).ToArbitrary(), Gen.ListOf(Gen.Choose(1, 64)).ToArbitrary(), (messages, chunks) =>
        {
            var bytes = messages.SelectMany(EventStreamCodec.Encode).ToArray();
            var read = ReadAll(bytes, chunks.ToList()).GetAwaiter().GetResult();
            return read.Count == messages.Count
                && read.Zip(messages).All(p => p.First.Headers.SequenceEqual(p.Second.Headers) && p.First.Payload.Span.SequenceEqual(p.Second.Payload.Span));
        });

    [FsCheck.NUnit.Property(MaxTest = 300)]
    public Property Read_AnySingleFlippedBit_IsDetectedNeverReturnedAsAMessage() =>
        Prop.ForAll(Messages().ToArbitrary(), ArbMap.Default.ArbFor<int>(), Gen.ListOf(Gen.Choose(1, 64)).ToArbitrary(), (message, position, chunks) =>
        {
            var frame = EventStreamCodec.Encode(message);
            var bit = (int)((uint)position % (uint)(frame.Length * 8));
            frame[bit / 8] ^= (byte)(1 << (bit % 8));
            try
            {
                var read = ReadAll(frame, chunks.ToList()).GetAwaiter().GetResult();
                return false.Label($"bit {bit} of {frame.Length * 8} flipped, yet {read.Count} message(s) came back");
            }
            catch (EventStreamFormatException)
            {
                return true.ToProperty();
            }
        });
}
