using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// Appends audit records to a JSON Lines file, one record a line, and continues the chain already in the file.
/// </summary>
/// <remarks>
/// <para>
/// One writer per file: the sink holds an exclusive OS lock on <c>&lt;file&gt;.lock</c> from construction until it
/// is disposed, so a second sink on the same file, in this process or another, fails at once with a message naming
/// the file instead of forking the chain. The lock is on a separate file so that readers (<c>aicompliance audit
/// verify</c>, log shippers) can read the audit file while it is being written; .NET on Linux would otherwise take an
/// advisory lock for every reader too. The lock is advisory on Linux and macOS: it stops every writer that asks for
/// it (every sink of this package), not a process that ignores it.
/// </para>
/// <para>
/// A torn last line (bytes after the last newline, left by a crash or a failed write) is moved aside to
/// <c>&lt;file&gt;.torn-&lt;UTC time&gt;</c> as evidence, the file is cut back to its last whole record, a warning
/// is logged (path and size only), and the chain continues from that record. A whole last line that is not a record
/// in the exact form this package writes is not a crash artefact: the sink refuses to build on it.
/// </para>
/// </remarks>
public sealed class JsonLinesAuditSink : IAuditSink, IAuditLineSink, IAuditKeyHistory, IDisposable, IAsyncDisposable
{
    private readonly SafeFileHandle _lock;
    private readonly SafeFileHandle _file;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _io = new();
    private readonly string _target;
    private long _end;
    private bool _dirty = true;
    private volatile Tuple<string, long, bool>? _keyHistory;
    private bool _disposed;

    /// <summary>
    /// Opens (or creates) the file at <paramref name="path"/> for writing, takes the writer's lock, and moves a torn
    /// last line aside. The folder is created if needed.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="flushToDisk">Flush each batch through the OS cache to the disk before acknowledging it. Default true.</param>
    /// <param name="logger">Logs a torn line moved aside (path and size only).</param>
    /// <param name="timeProvider">The clock that names a torn line's file; default the system clock.</param>
    /// <exception cref="IOException">Another writer holds the file's lock, or the file cannot be opened.</exception>
    public JsonLinesAuditSink(string path, bool flushToDisk = true, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _target = ResolveLinks(Path, 0);
        FlushToDisk = flushToDisk;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        try
        {
            _lock = File.OpenHandle(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException(
                $"The audit file '{Path}' is already being written by another audit trail, in this process or another (its lock file '{LockPath}' is held). " +
                "Two writers on one file would fork its chain: give each writer its own file, or stop the other writer first.",
                ex);
        }

        try
        {
            _file = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            lock (_io)
            {
                RecoverTail();
            }
        }
        catch (NotSupportedException ex)
        {
            _file?.Dispose();
            _lock.Dispose();
            throw new IOException($"The audit file '{Path}' is not a regular file (a pipe, a socket or a device that cannot seek): records written there are not kept. Give the path of a regular file.", ex);
        }
        catch
        {
            _file?.Dispose();
            _lock.Dispose();
            throw;
        }
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>
    /// The lock file next to the file the path leads to (symbolic links followed, so every path to one file shares one
    /// lock), held while this sink is open. It stays on disk; do not delete it while a writer runs.
    /// </summary>
    public string LockPath => _target + ".lock";

    /// <summary>Whether each batch is flushed to the disk before it is acknowledged.</summary>
    public bool FlushToDisk { get; }

    /// <inheritdoc/>
    /// <exception cref="AuditWriteException">The last whole line is not a record in its stored form (the file was edited or damaged).</exception>
    public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) =>
        new(Task.Run(ReadHead, cancellationToken));

    /// <inheritdoc/>
    public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var lines = new ArrayBufferWriter<byte>(1024 * Math.Max(1, records.Count));
        foreach (var r in records)
        {
            var line = AuditChain.Utf8.GetBytes(AuditChain.ToJson(r));
            lines.Write(line);
            lines.Write("\n"u8);
        }

        return WriteLinesAsync(lines.WrittenMemory, records.Count, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> HasRecordSealedWithAsync(string keyId, long beforeSequence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        if (_keyHistory is { } known && known.Item1 == keyId && known.Item2 == beforeSequence)
        {
            return new(known.Item3);
        }

        return new(Task.Run(() =>
        {
            lock (_io)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);

                // Kept, so a scan that outlived the trail's write timeout is not started again when the trail reads the head back.
                var sealedWith = ContainsKeyIdBefore(AuditChain.Utf8.GetBytes($"\"keyId\":\"{keyId}\""), beforeSequence);
                _keyHistory = Tuple.Create(keyId, beforeSequence, sealedWith);
                return sealedWith;
            }
        }, cancellationToken));
    }

    /// <summary>Scans whole lines from the start for <paramref name="pattern"/>, up to the record with <paramref name="beforeSequence"/>.</summary>
    private bool ContainsKeyIdBefore(byte[] pattern, long beforeSequence)
    {
        var buffer = new byte[64 * 1024];
        long offset = 0;
        int carried = 0;
        while (offset < _end)
        {
            var n = RandomAccess.Read(_file, buffer.AsSpan(carried, (int)Math.Min(buffer.Length - carried, _end - offset)), offset);
            if (n == 0)
            {
                return false;
            }

            offset += n;
            var span = buffer.AsSpan(0, carried + n);
            int lineStart = 0, newline;
            while ((newline = span[lineStart..].IndexOf((byte)'\n')) >= 0)
            {
                var line = span.Slice(lineStart, newline);
                if (!AuditChain.IsCheckpointLine(line))
                {
                    // A record's sequence is its line's place after an optional leading checkpoint; read it from the line.
                    if (AuditChain.TryReadSequence(line, out var sequence) && sequence >= beforeSequence)
                    {
                        return false;
                    }

                    if (line.IndexOf(pattern) >= 0)
                    {
                        return true;
                    }
                }

                lineStart += newline + 1;
            }

            carried = span.Length - lineStart;
            if (carried == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            span[lineStart..].CopyTo(buffer);
        }

        return false;
    }

    /// <inheritdoc/>
    ValueTask IAuditLineSink.WriteLinesAsync(ReadOnlyMemory<byte> lines, int count, CancellationToken cancellationToken) =>
        WriteLinesAsync(lines, count, cancellationToken);

    /// <summary>Releases the file and its lock.</summary>
    public void Dispose()
    {
        lock (_io)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _file.Dispose();
            _lock.Dispose();
        }
    }

    /// <summary>Releases the file and its lock.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    // Blocking file I/O runs on the thread pool, so the trail can bound the wait for it.
    private ValueTask WriteLinesAsync(ReadOnlyMemory<byte> lines, int count, CancellationToken cancellationToken) =>
        count == 0 ? ValueTask.CompletedTask : new(Task.Run(() => WriteLines(lines.Span), cancellationToken));

    private void WriteLines(ReadOnlySpan<byte> lines)
    {
        lock (_io)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // After a failed write, or if the file changed under us, cut a partial line off before appending.
            if (_dirty || RandomAccess.GetLength(_file) != _end)
            {
                RecoverTail();
            }

            _dirty = true;
            RandomAccess.Write(_file, lines, _end);
            if (FlushToDisk)
            {
                RandomAccess.FlushToDisk(_file);
            }

            _end += lines.Length;
            _dirty = false;
        }
    }

    private AuditChainHead ReadHead()
    {
        lock (_io)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RecoverTail();
            if (_end == 0)
            {
                return AuditChainHead.Empty;
            }

            // The last line is [start, _end - 1); _end - 1 is its newline.
            var start = LastNewlineBefore(_end - 1) + 1;
            var length = _end - 1 - start;
            if (length > AuditChainVerifier.MaxLineBytes)
            {
                throw Unusable(start, "it is longer than any audit record");
            }

            var line = new byte[length];
            ReadExactly(line, start);
            if (!AuditChain.TryParseLine(line, out var record, out var body, out var error))
            {
                throw Unusable(start, "it is not an audit record: " + error);
            }

            return AuditChain.IsCanonical(record, body)
                ? AuditChainHead.After(record)
                : throw Unusable(start, "it is not in the exact form this package writes (keys, order, spacing or case were changed)");
        }
    }

    private AuditWriteException Unusable(long offset, string why) => new(
        $"The last line of the audit file '{Path}' (at byte {offset}) cannot be built on: {why}. A whole line is not what a crash leaves, so the file was " +
        "edited or damaged. Keep it as evidence (check it with 'aicompliance audit verify'), and point the trail at a new file.",
        AuditWriteFailure.ChainHeadInvalid);

    /// <summary>
    /// Sets <see cref="_end"/> to the end of the last whole line. Bytes after it (a line without its newline) are
    /// copied to a sibling file, flushed, then cut from the audit file, and a warning is logged.
    /// </summary>
    private void RecoverTail()
    {
        var length = RandomAccess.GetLength(_file);
        var end = length == 0 ? 0 : LastNewlineBefore(length) + 1;
        if (end < length)
        {
            var tornPath = TornPath();
            using (var torn = File.OpenHandle(tornPath, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
                try
                {
                    for (var at = end; at < length;)
                    {
                        var n = RandomAccess.Read(_file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - at)), at);
                        if (n == 0)
                        {
                            break;
                        }

                        RandomAccess.Write(torn, buffer.AsSpan(0, n), at - end);
                        at += n;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                RandomAccess.FlushToDisk(torn);
            }

            RandomAccess.SetLength(_file, end);
            RandomAccess.FlushToDisk(_file);
            AuditLog.TornTailMovedAside(_logger, Path, length - end, tornPath);
        }

        _end = end;
        _dirty = false;
    }

    /// <summary>
    /// Reads the last whole line of the audit file at <paramref name="path"/> without taking the writer's lock (a torn
    /// tail after it is ignored). Null when there is no file, no whole line, or the line is not a record in stored form.
    /// </summary>
    /// <param name="path">The audit file.</param>
    /// <param name="body">The bytes the record's MAC covers.</param>
    internal static AuditRecord? ReadLastWholeRecord(string path, out byte[] body)
    {
        body = [];
        if (!File.Exists(path))
        {
            return null;
        }

        // Read and write, as the sink opens it: opened only for reading, a named pipe would block until a writer came.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
        if (!stream.CanSeek)
        {
            return null;
        }

        var file = stream.SafeFileHandle;
        var length = RandomAccess.GetLength(file);
        var end = LastNewlineBefore(file, length);
        if (end < 0)
        {
            return null;
        }

        var start = LastNewlineBefore(file, end) + 1;
        if (end - start > AuditChainVerifier.MaxLineBytes || end == start)
        {
            return null;
        }

        var line = new byte[end - start];
        var read = 0;
        while (read < line.Length)
        {
            var n = RandomAccess.Read(file, line.AsSpan(read), start + read);
            if (n == 0)
            {
                return null;
            }

            read += n;
        }

        return AuditChain.TryParseLine(line, out var record, out body, out _) && AuditChain.IsCanonical(record, body) ? record : null;
    }

    /// <summary>The offset of the last '\n' before <paramref name="limit"/> in <paramref name="file"/>, or -1.</summary>
    private static long LastNewlineBefore(SafeFileHandle file, long limit)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            for (var chunkEnd = limit; chunkEnd > 0;)
            {
                var chunkStart = Math.Max(0, chunkEnd - buffer.Length);
                var span = buffer.AsSpan(0, (int)(chunkEnd - chunkStart));
                for (var filled = 0; filled < span.Length;)
                {
                    var n = RandomAccess.Read(file, span[filled..], chunkStart + filled);
                    if (n == 0)
                    {
                        throw new EndOfStreamException("The audit file became shorter while it was read.");
                    }

                    filled += n;
                }

                var i = span.LastIndexOf((byte)'\n');
                if (i >= 0)
                {
                    return chunkStart + i;
                }

                chunkEnd = chunkStart;
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// <paramref name="fullPath"/> with every symbolic link in it followed (the file's own and any folder's above it),
    /// so that two writers reaching one file by different paths take the same lock. A missing part is kept as written.
    /// </summary>
    internal static string ResolveLinks(string fullPath, int depth)
    {
        var root = System.IO.Path.GetPathRoot(fullPath) ?? string.Empty;
        var parts = fullPath[root.Length..].Split([System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = System.IO.Path.Combine(current, parts[i]);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                target = null;
            }

            if (target is not null && depth < 40)
            {
                // A relative target is relative to the link's folder; the rest of the path follows the target.
                var resolved = System.IO.Path.GetFullPath(target, current);
                return ResolveLinks(i + 1 < parts.Length ? System.IO.Path.Combine([resolved, .. parts[(i + 1)..]]) : resolved, depth + 1);
            }

            current = next;
        }

        return current;
    }

    private string TornPath()
    {
        var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var candidate = $"{Path}.torn-{stamp}";
        for (var n = 2; File.Exists(candidate); n++)
        {
            candidate = $"{Path}.torn-{stamp}-{n}";
        }

        return candidate;
    }

    /// <summary>The offset of the last '\n' before <paramref name="limit"/>, or -1 if there is none.</summary>
    private long LastNewlineBefore(long limit)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            for (var chunkEnd = limit; chunkEnd > 0;)
            {
                var chunkStart = Math.Max(0, chunkEnd - buffer.Length);
                var span = buffer.AsSpan(0, (int)(chunkEnd - chunkStart));
                ReadExactly(span, chunkStart);
                var i = span.LastIndexOf((byte)'\n');
                if (i >= 0)
                {
                    return chunkStart + i;
                }

                chunkEnd = chunkStart;
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadExactly(Span<byte> destination, long offset)
    {
        while (!destination.IsEmpty)
        {
            var n = RandomAccess.Read(_file, destination, offset);
            if (n == 0)
            {
                throw new EndOfStreamException($"The audit file '{Path}' became shorter while it was read.");
            }

            destination = destination[n..];
            offset += n;
        }
    }
}
