using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Intercom.AiCompliance.Sqlite.Migrations;
using Microsoft.Win32.SafeHandles;

namespace Intercom.AiCompliance.Sqlite;

/// <summary>
/// One SQLite database file holding the audit chain and the consent events: opened in WAL mode, its schema created and
/// migrated on open, and written by one process at a time.
/// </summary>
/// <remarks>
/// <para>
/// One writer per file: the store holds an exclusive OS lock on <c>&lt;file&gt;.lock</c> from <see cref="Open(SqliteStoreOptions)"/> until
/// it is disposed, so a second store on the same file, in this process or another, fails at once with an
/// <see cref="IOException"/> naming the file instead of forking the audit chain. Readers (verification, backups) open
/// the database read-only and are not blocked: WAL lets them read while the writer writes. The lock is advisory on
/// Linux and macOS: it stops every writer that asks for it (every store of this package), not a process that ignores
/// it. Independently of the lock, the audit table's primary key is the record's sequence, so two writers could never
/// both store a record at the same place of the chain.
/// </para>
/// <para>
/// Every statement runs on one connection, one at a time, on a dedicated writer thread of the store (no thread-pool hop
/// per call): a caller hands its work over and can bound its wait on the answer, so a stuck disk holds the writer thread,
/// never a request thread past the audit trail's write timeout.
/// </para>
/// </remarks>
public sealed class SqliteStore : IDisposable, IAsyncDisposable
{
    /// <summary>The schema version this package writes. A database with a newer version is refused.</summary>
    public const int SchemaVersion = Migration0002DeploymentQuarantine.Version;

    /// <summary>The migrations, in order: migration n brings the schema from version n - 1 to n.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE audit_records (
            sequence INTEGER PRIMARY KEY NOT NULL CHECK (sequence > 0),
            line BLOB NOT NULL
        );
        CREATE TRIGGER audit_records_append_only_update BEFORE UPDATE ON audit_records
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
        CREATE TRIGGER audit_records_append_only_delete BEFORE DELETE ON audit_records
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
        CREATE TABLE consent_events (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            workspace_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            at TEXT NOT NULL,
            reference TEXT
        );
        CREATE INDEX consent_events_by_workspace ON consent_events (workspace_id, sequence);
        CREATE TRIGGER consent_events_append_only_update BEFORE UPDATE ON consent_events
        BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;
        CREATE TRIGGER consent_events_append_only_delete BEFORE DELETE ON consent_events
        BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;
        """,
        Migration0002DeploymentQuarantine.Sql,
    ];

    private readonly SafeFileHandle _lock;
    private readonly SqliteConnection _connection;
    private readonly ConcurrentQueue<IStoreWork> _queue = new();
    private readonly ManualResetEventSlim _signal = new(false, WriterSpinCount);
    private readonly Thread _writer;
    private readonly object _disposeGate = new();
    private volatile bool _disposed;

    /// <summary>How long the writer spins for more work before it sleeps (<see cref="ManualResetEventSlim.SpinCount"/>).</summary>
    private const int WriterSpinCount = 100;

    private SqliteStore(string path, SqliteDurability durability, SafeFileHandle fileLock, SqliteConnection connection)
    {
        Path = path;
        Durability = durability;
        _lock = fileLock;
        _connection = connection;
        _writer = new Thread(WriterLoop)
        {
            IsBackground = true,
            Name = "aicompliance-sqlite-writer",
        };
        _writer.Start();
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <summary>The lock file next to it, held while this store is open. It stays on disk; do not delete it while a writer runs.</summary>
    public string LockPath => Path + ".lock";

    /// <summary>What an acknowledged write survives.</summary>
    public SqliteDurability Durability { get; }

    /// <summary>
    /// Opens (or creates) the database, takes the writer's lock, switches it to WAL mode with the durability asked for,
    /// and creates or migrates its schema.
    /// </summary>
    /// <exception cref="IOException">Another writer holds the database's lock.</exception>
    /// <exception cref="InvalidOperationException">The database was written by a newer version of this package.</exception>
    public static SqliteStore Open(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path, nameof(options) + "." + nameof(options.Path));
        if (!Enum.IsDefined(options.Durability))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Durability must be ProcessCrash or PowerLoss.");
        }

        var path = System.IO.Path.GetFullPath(options.Path);
        var dir = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        var lockPath = path + ".lock";
        SafeFileHandle fileLock;
        try
        {
            fileLock = File.OpenHandle(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException(
                $"The database '{path}' is already being written by another store, in this process or another (its lock file '{lockPath}' is held). " +
                "Two writers on one database would fork its audit chain: give each writer its own database, or stop the other writer first.",
                ex);
        }

        SqliteConnection? connection = null;
        try
        {
            connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadWriteCreate));
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL;", expect: "wal");
            Execute(connection, durability(options.Durability));
            Execute(connection, "PRAGMA foreign_keys=ON;");
            Migrate(connection, path);
            return new SqliteStore(path, options.Durability, fileLock, connection);
        }
        catch
        {
            connection?.Dispose();
            fileLock.Dispose();
            throw;
        }

        static string durability(SqliteDurability d) => d == SqliteDurability.PowerLoss ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
    }

    /// <summary>Opens the database at <paramref name="path"/> with the given durability.</summary>
    /// <inheritdoc cref="Open(SqliteStoreOptions)"/>
    public static SqliteStore Open(string path, SqliteDurability durability = SqliteDurability.ProcessCrash) =>
        Open(new SqliteStoreOptions { Path = path, Durability = durability });

    /// <summary>The schema versions applied to the database, oldest first.</summary>
    public Task<IReadOnlyList<int>> ReadSchemaVersionsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<int>>(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT version FROM schema_version ORDER BY version;";
            using var reader = cmd.ExecuteReader();
            var versions = new List<int>();
            while (reader.Read())
            {
                versions.Add(reader.GetInt32(0));
            }

            return versions;
        }, cancellationToken);

    /// <summary>
    /// Closes the database and releases its lock, after the work already handed to it; work handed to it later fails with
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        lock (_disposeGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _signal.Set();
        if (Thread.CurrentThread != _writer)
        {
            // The writer closes the connection and the lock when it stops; from its own thread (a continuation of its
            // work) it does so as soon as that continuation returns.
            _writer.Join();
            FailQueued();
        }
    }

    /// <summary>Closes the database and releases its lock.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A connection string with pooling off, so closing a connection closes the file.</summary>
    internal static string ConnectionString(string path, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = mode,
        Pooling = false,
        Cache = SqliteCacheMode.Private,
    }.ToString();

    /// <summary>Runs <paramref name="work"/> on the store's writer thread with the connection to itself.</summary>
    /// <remarks>
    /// The answer's continuations run on the thread pool, so a caller's code never runs on (and never holds) the writer
    /// thread. Called on the writer thread itself (from the continuation of the audit sink's own write), the work runs at
    /// once: nothing else can be running on the connection then.
    /// </remarks>
    internal Task<T> RunAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken) =>
        Submit(work, cancellationToken, continueOnWriter: false).Task;

    /// <summary>
    /// Runs <paramref name="work"/> on the writer thread for the audit sink: the answer's continuation (the audit trail's
    /// writer loop, package code that only links the next batch and hands it back) runs on the writer thread, so the next
    /// batch is stored without waking another thread. If the work ends within <paramref name="spin"/>, the caller gets
    /// the answer synchronously, without a thread hop to resume it.
    /// </summary>
    internal ValueTask RunForAuditAsync<T>(Func<SqliteConnection, T> work, TimeSpan spin, CancellationToken cancellationToken)
    {
        var item = Submit(work, cancellationToken, continueOnWriter: true);
        var task = item.Task;
        if (!task.IsCompleted && spin > TimeSpan.Zero)
        {
            // A commit at ProcessCrash takes some microseconds: waiting that long on this thread is cheaper than parking
            // it and waking a pool thread to resume the caller. Bounded: past the spin the caller awaits as usual.
            var until = Stopwatch.GetTimestamp() + (long)(spin.TotalSeconds * Stopwatch.Frequency);
            var wait = default(SpinWait);
            while (!task.IsCompleted && Stopwatch.GetTimestamp() < until)
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }
        }

        return task.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(task);
    }

    private StoreWork<T> Submit<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken, bool continueOnWriter)
    {
        var item = new StoreWork<T>(work, cancellationToken, continueOnWriter);
        if (_disposed)
        {
            item.TrySetException(new ObjectDisposedException(nameof(SqliteStore)));
            return item;
        }

        if (Thread.CurrentThread == _writer)
        {
            item.Execute(_connection);
            return item;
        }

        _queue.Enqueue(item);
        _signal.Set();
        if (_disposed)
        {
            // Disposed while it was queued: the writer may have stopped before seeing it.
            FailQueued();
        }

        return item;
    }

    private void WriterLoop()
    {
        try
        {
            while (true)
            {
                while (_queue.TryDequeue(out var work))
                {
                    work.Execute(_connection);
                }

                if (_disposed)
                {
                    return;
                }

                _signal.Reset();
                if (!_queue.IsEmpty || _disposed)
                {
                    continue;
                }

                _signal.Wait();
            }
        }
        finally
        {
            _connection.Dispose();
            _lock.Dispose();
            FailQueued();
        }
    }

    /// <summary>Fails the work still queued once the store is disposed, so no caller waits for an answer that will never come.</summary>
    private void FailQueued()
    {
        while (_queue.TryDequeue(out var work))
        {
            work.Fail(new ObjectDisposedException(nameof(SqliteStore)));
        }
    }

    /// <summary>Work handed to the writer thread.</summary>
    private interface IStoreWork
    {
        void Execute(SqliteConnection connection);

        void Fail(Exception exception);
    }

    /// <summary>The work and its answer in one object: one allocation per call besides the caller's delegate.</summary>
    private sealed class StoreWork<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken, bool continueOnWriter)
        : TaskCompletionSource<T>(continueOnWriter ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously), IStoreWork
    {
        public void Execute(SqliteConnection connection)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                TrySetCanceled(cancellationToken);
                return;
            }

            T result;
            try
            {
                result = work(connection);
            }
#pragma warning disable CA1031 // Whatever the statement threw belongs to the caller, never to the writer thread.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                TrySetException(ex);
                return;
            }

            TrySetResult(result);
        }

        public void Fail(Exception exception) => TrySetException(exception);
    }

    private static void Migrate(SqliteConnection connection, string path)
    {
        using var tx = connection.BeginTransaction(deferred: false);
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL);", tx: tx);
        long current;
        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";
            current = (long)cmd.ExecuteScalar()!;
        }

        if (current > Migrations.Length)
        {
            throw new InvalidOperationException(
                $"The database '{path}' has schema version {current}, newer than this package's {Migrations.Length}: it was written by a newer version. " +
                "Use that version (or newer) to open it; this one will not write to it.");
        }

        for (var version = (int)current + 1; version <= Migrations.Length; version++)
        {
            Execute(connection, Migrations[version - 1], tx: tx);
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES ($v, $at);";
            insert.Parameters.AddWithValue("$v", version);
            insert.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            insert.ExecuteNonQuery();
        }

        tx.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql, string? expect = null, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        if (expect is null)
        {
            cmd.ExecuteNonQuery();
            return;
        }

        var result = cmd.ExecuteScalar();
        if (!string.Equals(Convert.ToString(result, CultureInfo.InvariantCulture), expect, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SQLite did not accept '{sql}' (it answered '{result}'); the store needs it.");
        }
    }
}
