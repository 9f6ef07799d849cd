namespace Intercom.AiCompliance.Sqlite;

/// <summary>Where the SQLite store keeps its database and what its writes survive.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>
    /// The database file (configuration: <c>AiComplianceSqlite:Path</c>). A relative path is resolved against the
    /// process's current directory. The folder is created if needed. Left empty with dependency injection, the store uses
    /// <c>aicompliance.db</c> under the host's content root; <see cref="SqliteStore.Open(SqliteStoreOptions)"/> itself needs a path.
    /// </summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>What an acknowledged write survives (configuration: <c>AiComplianceSqlite:Durability</c>). Default <see cref="SqliteDurability.ProcessCrash"/>.</summary>
    public SqliteDurability Durability { get; set; } = SqliteDurability.ProcessCrash;

    /// <summary>The scheduled export and prune of old audit records (configuration: <c>AiComplianceSqlite:Retention</c>); off unless its <see cref="SqliteRetentionOptions.MaxAge"/> is set.</summary>
    public SqliteRetentionOptions Retention { get; set; } = new();
}

/// <summary>
/// Exports and prunes old audit records on a schedule (configuration: <c>AiComplianceSqlite:Retention</c>). Nothing is
/// exported or pruned unless <see cref="MaxAge"/> is set.
/// </summary>
public sealed class SqliteRetentionOptions
{
    /// <summary>The default <see cref="Interval"/>: one hour.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// Records older than this are exported to <see cref="ExportFolder"/> and pruned, behind a signed checkpoint
    /// (configuration: <c>AiComplianceSqlite:Retention:MaxAge</c>, a time span such as <c>30.00:00:00</c>). Null (the
    /// default): no scheduled export or prune.
    /// </summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>
    /// The folder the JSON Lines exports are written to, one new file per run that found old records, never overwritten
    /// (configuration: <c>AiComplianceSqlite:Retention:ExportFolder</c>). Required with <see cref="MaxAge"/>.
    /// </summary>
    public string? ExportFolder { get; set; }

    /// <summary>How often the job runs, the first time at the host's start (configuration: <c>AiComplianceSqlite:Retention:Interval</c>). Default one hour.</summary>
    public TimeSpan Interval { get; set; } = DefaultInterval;
}
