namespace Intercom.AiCompliance.Sqlite;

/// <summary>What a stored write survives once it is acknowledged (configuration: <c>AiComplianceSqlite:Durability</c>).</summary>
public enum SqliteDurability
{
    /// <summary>
    /// The default. A write acknowledged to the caller survives a crash of the process (kill -9 included): it is in the
    /// write-ahead log through the operating system before the acknowledgement, without waiting for the disk
    /// (WAL with <c>synchronous=NORMAL</c>). A power loss or kernel crash may lose the last acknowledged writes, never
    /// corrupt the database.
    /// </summary>
    ProcessCrash = 0,

    /// <summary>
    /// A write acknowledged to the caller survives a power loss too: each commit waits for the write-ahead log to reach
    /// the disk (WAL with <c>synchronous=FULL</c>). The audit trail commits a batch at a time (group commit), so one
    /// disk flush serves every request in the batch.
    /// </summary>
    PowerLoss = 1,
}
