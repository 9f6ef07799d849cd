using Intercom.AiCompliance.Audit;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>Unsealed audit records for tests of the chain, the trail and the sinks: record i is stamped i seconds in.</summary>
public static class AuditRecords
{
    public static AuditRecord Make(int i, string? servedBy = null) => new()
    {
        EventId = $"e{i}",
        Timestamp = new DateTimeOffset(2026, 6, 1, 12, 0, i, TimeSpan.Zero),
        WorkspaceId = "ws-1",
        Product = "FinAiAgent",
        Purpose = "AnsweringEndUser",
        Capability = "Chat",
        Required = new AuditPromises { Region = "EU" },
        Outcome = AuditOutcome.Succeeded,
        ServedBy = servedBy,
    };
}
