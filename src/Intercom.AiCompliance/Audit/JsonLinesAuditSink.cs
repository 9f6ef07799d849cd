using System.Text;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// Appends audit records to a JSON Lines file, one record a line, and continues the chain already in the file.
/// </summary>
public sealed class JsonLinesAuditSink : IAuditSink
{
    /// <summary>Creates a sink writing to <paramref name="path"/>; the folder is created if needed.</summary>
    /// <param name="path">The file.</param>
    /// <param name="flushToDisk">Flush each batch through the OS cache to the disk before acknowledging it. Default true.</param>
    public JsonLinesAuditSink(string path, bool flushToDisk = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        FlushToDisk = flushToDisk;
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Whether each batch is flushed to the disk before it is acknowledged.</summary>
    public bool FlushToDisk { get; }

    /// <inheritdoc/>
    public async ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path))
        {
            return AuditChainHead.Empty;
        }

        string? last = null;
        using (var reader = new StreamReader(Path, AuditChain.Utf8))
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0)
                {
                    last = line;
                }
            }
        }

        if (last is null)
        {
            return AuditChainHead.Empty;
        }

        var record = AuditChain.FromJson(last);
        return new AuditChainHead(record.Sequence, record.Hash);
    }

    /// <inheritdoc/>
    public async ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        var sb = new StringBuilder();
        foreach (var r in records)
        {
            sb.Append(AuditChain.ToJson(r)).Append('\n');
        }

        var bytes = AuditChain.Utf8.GetBytes(sb.ToString());
        var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (FlushToDisk)
            {
                stream.Flush(flushToDisk: true);
            }
        }
    }
}
