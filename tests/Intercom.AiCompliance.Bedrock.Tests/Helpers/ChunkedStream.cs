namespace Intercom.AiCompliance.Bedrock.Tests.Helpers;

/// <summary>A read-only stream that hands out its bytes in the given read sizes (then whatever is left, one byte at a time), as a network would.</summary>
public sealed class ChunkedStream : Stream
{
    private readonly byte[] _data;
    private readonly IReadOnlyList<int> _chunks;
    private int _position;
    private int _read;

    public ChunkedStream(byte[] data, IReadOnlyList<int> chunks)
    {
        _data = data;
        _chunks = chunks;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _data.Length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var chunk = _read < _chunks.Count ? Math.Max(1, _chunks[_read]) : 1;
        _read++;
        var n = Math.Min(Math.Min(chunk, buffer.Length), _data.Length - _position);
        _data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
