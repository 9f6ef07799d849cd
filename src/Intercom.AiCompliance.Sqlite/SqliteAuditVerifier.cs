using Intercom.AiCompliance.Audit;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Sqlite;

/// <summary>Verifies the audit chain stored in a SQLite database by <see cref="SqliteAuditSink"/>, byte for byte.</summary>
/// <remarks>
/// The rows are read in sequence order and their stored bytes, each followed by a newline, are given to
/// <see cref="AuditChainVerifier.Verify(Stream, IEnumerable{AuditChainKey})"/>, exactly as a JSON Lines file would be:
/// every check of a file applies (MAC over the stored bytes, links, gaps, form). A line number in the result is the
/// row's position in sequence order, counting from 1. The database is opened read-only, so a running writer is not
/// disturbed and the lock is not needed.
/// </remarks>
public static class SqliteAuditVerifier
{
    /// <summary>Verifies the chain in the database at <paramref name="path"/> under <paramref name="keys"/> (the current key and any retired ones).</summary>
    /// <exception cref="FileNotFoundException">There is no database at <paramref name="path"/>.</exception>
    public static AuditVerificationResult Verify(string path, IEnumerable<AuditChainKey> keys)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(keys);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"There is no audit database at '{full}'.", full);
        }

        using var connection = new SqliteConnection(SqliteStore.ConnectionString(full, SqliteOpenMode.ReadOnly));
        connection.Open();
        using var tx = connection.BeginTransaction(deferred: true);
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT line FROM audit_records ORDER BY sequence;";
        using var reader = cmd.ExecuteReader();
        using var stream = new RowLineStream(reader);
        return AuditChainVerifier.Verify(stream, keys);
    }

    /// <summary>Verifies under one key.</summary>
    /// <inheritdoc cref="Verify(string, IEnumerable{AuditChainKey})"/>
    public static AuditVerificationResult Verify(string path, AuditChainKey key) => Verify(path, [key]);

    /// <summary>A read-only stream of the rows' bytes, each followed by '\n', read one row at a time.</summary>
    private sealed class RowLineStream(SqliteDataReader reader) : Stream
    {
        private byte[] _current = [];
        private int _at = 1;
        private bool _done;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                if (_at == _current.Length + 1)
                {
                    if (_done || !reader.Read())
                    {
                        _done = true;
                        break;
                    }

                    _current = reader.IsDBNull(0) ? [] : reader.GetFieldValue<byte[]>(0);
                    _at = 0;
                }

                if (_at < _current.Length)
                {
                    var n = Math.Min(buffer.Length - written, _current.Length - _at);
                    _current.AsSpan(_at, n).CopyTo(buffer[written..]);
                    _at += n;
                    written += n;
                }
                else
                {
                    buffer[written++] = (byte)'\n';
                    _at++;
                }
            }

            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
