using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Telemetry;

/// <summary>The package's log messages. Arguments are ids and codes only: never content, workspace ids or secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Routed {Product}/{Capability} to {DeploymentId} after {AttemptCount} attempt(s)")]
    public static partial void Routed(ILogger logger, string product, string capability, string deploymentId, int attemptCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Refused {Product}/{Capability}: {Reason}")]
    public static partial void Refused(ILogger logger, string product, string capability, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Attempt on {DeploymentId} ended {Outcome} ({Failure})")]
    public static partial void AttemptFailed(ILogger logger, string deploymentId, AttemptOutcome outcome, string failure);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Passed over {DeploymentId}: {Why}")]
    public static partial void Skipped(ILogger logger, string deploymentId, string why);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "The audit trail failed to store a record ({ErrorType}); the request fails closed: {FailClosed}")]
    public static partial void AuditFailed(ILogger logger, string errorType, bool failClosed);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Request failed for {Product}/{Capability}: {Reason}")]
    public static partial void AllFailed(ILogger logger, string product, string capability, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Training decision for audit event {AuditEventId}: {Outcome} (consent {Consent})")]
    public static partial void TrainingDecided(ILogger logger, string auditEventId, string outcome, string consent);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Served-region incident: deployment {DeploymentId} reported processing in {ServedRegion} ({Jurisdiction}), outside its processing regions {DeclaredRegions}; quarantined until an operator clears it")]
    public static partial void Quarantined(ILogger logger, string deploymentId, string servedRegion, string jurisdiction, string declaredRegions);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Deployment {DeploymentId} quarantined by an operator")]
    public static partial void QuarantinedByOperator(ILogger logger, string deploymentId);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Quarantine of deployment {DeploymentId} cleared by an operator; traffic may flow to it again")]
    public static partial void QuarantineCleared(ILogger logger, string deploymentId);

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "The quarantine store failed ({ErrorType}); the quarantines known to this process stay in force")]
    public static partial void QuarantineStoreFailed(ILogger logger, string errorType);
}
