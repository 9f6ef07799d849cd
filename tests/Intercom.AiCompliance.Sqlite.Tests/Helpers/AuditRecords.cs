using Intercom.AiCompliance.Audit;

namespace Intercom.AiCompliance.Sqlite.Tests.Helpers;

/// <summary>Unsealed audit records for tests; the trail links and seals them.</summary>
public static class AuditRecords
{
    public static AuditRecord Make(int i) => new()
    {
        EventId = $"e{i}",
        Timestamp = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero).AddSeconds(i),
        WorkspaceId = "ws-1",
        Product = "FinAiAgent",
        Purpose = "AnsweringEndUser",
        Capability = "Chat",
        Required = new AuditPromises { Region = "EU" },
        Outcome = AuditOutcome.Succeeded,
    };
}
