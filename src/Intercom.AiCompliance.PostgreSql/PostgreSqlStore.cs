using Npgsql;

namespace Intercom.AiCompliance.PostgreSql;

/// <summary>
/// One PostgreSQL database shared by a fleet of hosts: the audit chains (one per instance, cross-anchored), the
/// training consent events, and the schema the package creates and migrates. Thread-safe; one per process.
/// </summary>
/// <remarks>
/// <para>
/// The tables live in the schema <c>aicompliance</c>. Each applied migration is recorded in
/// <c>aicompliance.schema_version</c>; opening applies only what is missing, in one transaction, under a transaction
/// advisory lock so that instances starting together do not race. A database whose version is newer than the
/// package's is refused, not written.
/// </para>
/// <para>
/// Connections come from an Npgsql pool named <c>aicompliance/&lt;instance id&gt;</c> (the <c>application_name</c>
/// the server shows in <c>pg_stat_activity</c>). A connection the server closed (a restart, a failover,
/// <c>pg_terminate_backend</c>) fails the operation that was using it and is then replaced.
/// </para>
/// <para>
/// The connection string is never logged, shown or put in an exception message: database errors are replaced by
/// <see cref="PostgreSqlStoreException"/>, which keeps only the error's type and SQLSTATE.
/// </para>
/// </remarks>
public sealed class PostgreSqlStore : IDisposable, IAsyncDisposable
{
    /// <summary>The schema version this package writes. A database with a newer version is refused.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The PostgreSQL schema that holds the package's tables.</summary>
    public const string SchemaName = "aicompliance";

    /// <summary>Any 64-bit number, the same in every instance: the advisory lock migrations run under.</summary>
    private const long MigrationLockId = 0x41_49_43_4D_50_4C_31; // "AICMPL1"

    /// <summary>The migrations, in order: migration n brings the schema from version n - 1 to n.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE aicompliance.audit_records (
            instance_id text NOT NULL,
            sequence bigint NOT NULL CHECK (sequence > 0),
            line bytea NOT NULL,
            PRIMARY KEY (instance_id, sequence)
        );
        CREATE TABLE aicompliance.audit_anchors (
            instance_id text NOT NULL,
            anchor_sequence bigint NOT NULL CHECK (anchor_sequence > 0),
            body bytea NOT NULL,
            mac text NOT NULL,
            PRIMARY KEY (instance_id, anchor_sequence)
        );
        CREATE TABLE aicompliance.audit_heads (
            instance_id text PRIMARY KEY,
            sequence bigint NOT NULL,
            mac text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE aicompliance.consent_events (
            sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            workspace_id text NOT NULL,
            kind integer NOT NULL,
            at text NOT NULL,
            reference text
        );
        CREATE INDEX consent_events_by_workspace ON aicompliance.consent_events (workspace_id, sequence);
        CREATE FUNCTION aicompliance.refuse_change() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'aicompliance.% is append-only', TG_TABLE_NAME; END $$;
        CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON aicompliance.audit_records
            FOR EACH ROW EXECUTE FUNCTION aicompliance.refuse_change();
        CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON aicompliance.audit_records
            FOR EACH STATEMENT EXECUTE FUNCTION aicompliance.refuse_change();
        CREATE TRIGGER audit_anchors_append_only BEFORE UPDATE OR DELETE ON aicompliance.audit_anchors
            FOR EACH ROW EXECUTE FUNCTION aicompliance.refuse_change();
        CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON aicompliance.audit_anchors
            FOR EACH STATEMENT EXECUTE FUNCTION aicompliance.refuse_change();
        CREATE TRIGGER consent_events_append_only BEFORE UPDATE OR DELETE ON aicompliance.consent_events
            FOR EACH ROW EXECUTE FUNCTION aicompliance.refuse_change();
        CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON aicompliance.consent_events
            FOR EACH STATEMENT EXECUTE FUNCTION aicompliance.refuse_change();
        """,
    ];

    private readonly NpgsqlDataSource _dataSource;

    private PostgreSqlStore(NpgsqlDataSource dataSource, string instanceId)
    {
        _dataSource = dataSource;
        InstanceId = instanceId;
    }

    /// <summary>This process's instance id: the chain it writes.</summary>
    public string InstanceId { get; }

    /// <summary>
    /// Connects, creates or migrates the schema, and returns the store. The connection string is checked first and never
    /// repeated in an error.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string is missing or malformed, or the instance id has the wrong form.</exception>
    /// <exception cref="PostgreSqlStoreException">The server cannot be reached, refuses the login, or the schema cannot be created.</exception>
    /// <exception cref="InvalidOperationException">The database was written by a newer version of this package.</exception>
    public static PostgreSqlStore Open(PostgreSqlStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var instanceId = options.EffectiveInstanceId;
        if (!PostgreSqlStoreOptions.IsValidInstanceId(instanceId))
        {
            throw new ArgumentException(
                "The instance id must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit: set AiCompliancePostgreSql:InstanceId " +
                "(the machine name is used when it is not set, and this machine's does not have that form).", nameof(options));
        }

        var dataSource = CreateDataSource(options.ConnectionString, "aicompliance/" + instanceId);
        try
        {
            using var connection = OpenConnection(dataSource, "connect to the database");
            Migrate(connection);
            return new PostgreSqlStore(dataSource, instanceId);
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    /// <summary>Opens the store for <paramref name="connectionString"/> as instance <paramref name="instanceId"/> (default: the machine name).</summary>
    /// <inheritdoc cref="Open(PostgreSqlStoreOptions)"/>
    public static PostgreSqlStore Open(string connectionString, string? instanceId = null) =>
        Open(new PostgreSqlStoreOptions { ConnectionString = connectionString, InstanceId = instanceId });

    /// <summary>The schema versions applied to the database, oldest first.</summary>
    /// <exception cref="PostgreSqlStoreException">The database cannot be read.</exception>
    public async Task<IReadOnlyList<int>> ReadSchemaVersionsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand("SELECT version FROM aicompliance.schema_version ORDER BY version;", connection);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var versions = new List<int>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                versions.Add(reader.GetInt32(0));
            }

            return versions;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            throw PostgreSqlStoreException.From("read the schema version", ex);
        }
    }

    /// <summary>Names the instance; never shows the connection string.</summary>
    public override string ToString() => $"PostgreSQL store (instance {InstanceId})";

    /// <summary>Closes the store's connections.</summary>
    public void Dispose() => _dataSource.Dispose();

    /// <summary>Closes the store's connections.</summary>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>Opens a pooled connection.</summary>
    internal ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// A data source for <paramref name="connectionString"/>, or an <see cref="ArgumentException"/> that does not
    /// repeat it (the builder's own message quotes the offending part).
    /// </summary>
    internal static NpgsqlDataSource CreateDataSource(string connectionString, string applicationName)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("The PostgreSQL connection string (AiCompliancePostgreSql:ConnectionString) is required.", nameof(connectionString));
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException)
        {
            throw new ArgumentException(
                $"The PostgreSQL connection string (AiCompliancePostgreSql:ConnectionString) is not valid ({ex.GetType().Name}); it is not repeated here. " +
                "Use the Npgsql form: Host=...;Port=...;Username=...;Password=...;Database=...", nameof(connectionString));
        }

        builder.ApplicationName = applicationName;
        builder.PersistSecurityInfo = false;
        builder.IncludeErrorDetail = false;
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    /// <summary>Opens a connection, replacing a failure with an exception that holds no secret.</summary>
    internal static NpgsqlConnection OpenConnection(NpgsqlDataSource dataSource, string operation)
    {
        try
        {
            return dataSource.OpenConnection();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw PostgreSqlStoreException.From(operation, ex);
        }
    }

    private static void Migrate(NpgsqlConnection connection)
    {
        try
        {
            using var tx = connection.BeginTransaction();
            Execute(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLockId});");
            Execute(connection, tx, "CREATE SCHEMA IF NOT EXISTS aicompliance;");
            Execute(connection, tx, "CREATE TABLE IF NOT EXISTS aicompliance.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());");
            int current;
            using (var cmd = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM aicompliance.schema_version;", connection, tx))
            {
                current = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }

            if (current > Migrations.Length)
            {
                throw new InvalidOperationException(
                    $"The PostgreSQL database has schema version {current}, newer than this package's {Migrations.Length}: it was written by a newer version. " +
                    "Use that version (or newer) to open it; this one will not write to it.");
            }

            for (var version = current + 1; version <= Migrations.Length; version++)
            {
                Execute(connection, tx, Migrations[version - 1]);
                using var insert = new NpgsqlCommand("INSERT INTO aicompliance.schema_version (version) VALUES ($1);", connection, tx);
                insert.Parameters.Add(new NpgsqlParameter { Value = version });
                insert.ExecuteNonQuery();
            }

            tx.Commit();
        }
        catch (NpgsqlException ex)
        {
            throw PostgreSqlStoreException.From("create or migrate its schema", ex);
        }
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection, tx);
        cmd.ExecuteNonQuery();
    }
}
