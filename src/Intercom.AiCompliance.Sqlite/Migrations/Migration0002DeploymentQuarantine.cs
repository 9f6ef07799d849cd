namespace Intercom.AiCompliance.Sqlite.Migrations;

/// <summary>
/// Schema step 2: the deployment quarantine table (one row per deployment: its latest quarantine, active while
/// <c>cleared_at</c> is null). Rows change in place, unlike the append-only audit and consent tables: the history of
/// every quarantine and clear is in the audit chain, as records of their own.
/// </summary>
internal static class Migration0002DeploymentQuarantine
{
    /// <summary>The schema version this step brings the database to.</summary>
    public const int Version = 2;

    public const string Sql = """
        CREATE TABLE deployment_quarantine (
            deployment_id TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
            quarantined_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            quarantined_by TEXT NOT NULL,
            reported_region TEXT,
            reported_jurisdiction TEXT,
            declared_regions TEXT,
            audit_event_id TEXT,
            note TEXT,
            cleared_at TEXT,
            cleared_by TEXT,
            clear_reason TEXT
        );
        """;
}
