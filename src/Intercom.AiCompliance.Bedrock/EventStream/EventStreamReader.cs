namespace Intercom.AiCompliance.Bedrock.EventStream;

/// <summary>
/// Reads event-stream messages one by one from a response stream as the bytes arrive: a frame may be split across any
/// number of reads, and one read may hold several frames. Both CRCs are checked and a frame larger than the bound is
/// refused before its body is read, so a corrupted or hostile length never allocates more than the bound.
/// </summary>
internal sealed class EventStreamReader
{
    private readonly Stream _stream;
    private readonly int _maxFrameBytes;
    private readonly byte[] _prelude = new byte[12];

    public EventStreamReader(Stream stream, int maxFrameBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameBytes, EventStreamCodec.Overhead);
        _stream = stream;
        _maxFrameBytes = maxFrameBytes;
    }

    /// <summary>The next message, or <see langword="null"/> when the stream ended cleanly between frames.</summary>
    /// <exception cref="EventStreamFormatException">A CRC mismatch, an out-of-bounds length, a malformed header, or the stream ended inside a frame.</exception>
    public async ValueTask<EventStreamMessage?> ReadAsync(CancellationToken cancellationToken)
    {
        var got = await FillAsync(_prelude, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < _prelude.Length)
        {
            throw new EventStreamFormatException("the event stream ended inside a frame's prelude.");
        }

        var total = EventStreamCodec.ReadPrelude(_prelude, _maxFrameBytes);
        var frame = new byte[total];
        _prelude.CopyTo(frame, 0);
        if (await FillAsync(frame.AsMemory(12), cancellationToken).ConfigureAwait(false) < total - 12)
        {
            throw new EventStreamFormatException("the event stream ended inside a frame.");
        }

        return EventStreamCodec.DecodeFrame(frame);
    }

    private async ValueTask<int> FillAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer[read..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read;
    }
}
