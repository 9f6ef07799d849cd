using Intercom.AiCompliance.Audit;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>
/// A routed request that calls a deployment stores two records: its write-ahead intent, then its outcome. Tests about
/// what a request ended with read the outcome records; tests about the write-ahead read the intents.
/// </summary>
public static class AuditOutcomes
{
    /// <summary>The outcome records, in chain order (every record but the write-ahead intents).</summary>
    public static IReadOnlyList<AuditRecord> Outcomes(this IEnumerable<AuditRecord> records) =>
        [.. records.Where(r => r.Outcome != AuditOutcome.Intent)];

    /// <summary>The write-ahead intents, in chain order.</summary>
    public static IReadOnlyList<AuditRecord> Intents(this IEnumerable<AuditRecord> records) =>
        [.. records.Where(r => r.Outcome == AuditOutcome.Intent)];

    /// <summary>The outcome records an in-memory sink holds.</summary>
    public static IReadOnlyList<AuditRecord> Outcomes(this InMemoryAuditSink sink) => sink.Records.Outcomes();
}
