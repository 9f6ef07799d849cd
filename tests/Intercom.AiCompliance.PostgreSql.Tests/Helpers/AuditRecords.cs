using Intercom.AiCompliance.Audit;

namespace Intercom.AiCompliance.PostgreSql.Tests.Helpers;

/// <summary>Unsealed audit records for tests; the trail links and seals them.</summary>
public static class AuditRecords
{
    public static AuditRecord Make(string id) => new()
    {
        EventId = id,
        Timestamp = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero),
        WorkspaceId = "ws-1",
        Product = "FinAiAgent",
        Purpose = "AnsweringEndUser",
        Capability = "Chat",
        Required = new AuditPromises { Region = "EU" },
        Outcome = AuditOutcome.Succeeded,
    };
}
