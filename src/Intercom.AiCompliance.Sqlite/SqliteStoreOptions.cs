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
}
