using System.Text.Json.Serialization;

namespace Intercom.AiCompliance.Audit;

/// <summary>How a routed request ended.</summary>
public enum AuditOutcome
{
    /// <summary>A compliant deployment answered.</summary>
    Succeeded = 1,

    /// <summary>Refused before any call: unknown workspace, purpose, knowledge source or size.</summary>
    RequestRefused = 2,

    /// <summary>No deployment in the catalogue keeps every promise for this workspace.</summary>
    NoCompliantRoute = 3,

    /// <summary>A provider refused the content; not routed around.</summary>
    ProviderRefused = 4,

    /// <summary>Every compliant candidate failed, or the deadline passed, or a permanent error stopped the request.</summary>
    AllCandidatesFailed = 5,

    /// <summary>The caller cancelled.</summary>
    Cancelled = 6,

    /// <summary>An unexpected error (for example the profile store failed) stopped the request; it is rethrown to the caller.</summary>
    Error = 7,

    /// <summary>A streamed answer failed after its first update reached the caller: part of it was delivered, and it was not failed over.</summary>
    Partial = 8,

    /// <summary>The caller stopped reading a streamed answer (disposed it before the end).</summary>
    Abandoned = 9,

    /// <summary>
    /// Not a request: a deployment was quarantined, or its quarantine was cleared (<see cref="AuditRecord.Kind"/> is
    /// <see cref="AuditRecord.QuarantineKind"/> and <see cref="AuditRecord.Quarantine"/> says what happened).
    /// </summary>
    QuarantineEvent = 10,

    /// <summary>
    /// Not an outcome: the write-ahead intent of a request, stored before its Input leaves the process for a deployment. It
    /// names where the Input is going (<see cref="AuditRecord.Destinations"/>); the record with the same
    /// <see cref="AuditRecord.EventId"/> and the request's real outcome follows (after one more intent per failover). An intent without that outcome record means the process stopped (a crash,
    /// a kill) after the Input may have left, and verification reports it (<see cref="AuditVerificationResult.IntentsWithoutOutcome"/>).
    /// </summary>
    /// <remarks>11, not 10: the quarantine change (merged separately) takes 10 for its record kind. Records store the name, never the number.</remarks>
    Intent = 11,
}

/// <summary>A deployment a request's Input may be sent to, as its write-ahead intent names it.</summary>
public sealed record AuditDestination
{
    /// <summary>The deployment.</summary>
    public required string DeploymentId { get; init; }

    /// <summary>Its provider.</summary>
    public required string Provider { get; init; }

    /// <summary>The regions it may process in, joined with '+'.</summary>
    public required string Regions { get; init; }
}

/// <summary>One attempt (or skip) of one candidate, as the audit trail records it.</summary>
public sealed record AuditAttempt
{
    /// <summary>The deployment tried.</summary>
    public required string DeploymentId { get; init; }

    /// <summary>Its provider.</summary>
    public required string Provider { get; init; }

    /// <summary>The regions it may process in, joined with '+'.</summary>
    public required string Regions { get; init; }

    /// <summary>How the attempt ended (an <see cref="Routing.AttemptOutcome"/> name): Succeeded, TransientFailure, PermanentFailure, Refused, Cancelled, SkippedCircuitOpen, SkippedNotCompliant, ServedOutsideRegions, SkippedQuarantined.</summary>
    public required string Outcome { get; init; }

    /// <summary>The failure kind, when it failed.</summary>
    public string? Failure { get; init; }

    /// <summary>When the attempt started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>How long it took, in microseconds.</summary>
    public required long DurationMicroseconds { get; init; }

    /// <summary>
    /// Where the provider said it processed the attempt (its own region name, such as <c>swedencentral</c>), when it said
    /// so; absent for providers that report nothing.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ServedRegion { get; init; }

    /// <summary>The jurisdiction of <see cref="ServedRegion"/> (<c>EU</c>, <c>US</c>, ...), or <c>unmapped</c>; absent when nothing was reported.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ServedJurisdiction { get; init; }
}

/// <summary>
/// What a quarantine record (<see cref="AuditRecord.Kind"/> = <see cref="AuditRecord.QuarantineKind"/>) records: a deployment
/// quarantined after a served-region incident or by an operator, or an operator clearing it. Ids, region names and the
/// operator's note only; never content.
/// </summary>
public sealed record AuditQuarantineEvent
{
    /// <summary><c>quarantined</c> or <c>cleared</c>.</summary>
    public required string Action { get; init; }

    /// <summary>The deployment.</summary>
    public required string DeploymentId { get; init; }

    /// <summary>Why it was quarantined (a reason code such as <c>served-region-outside-deployment</c>).</summary>
    public required string Reason { get; init; }

    /// <summary>Who acted: <c>router</c> for an incident, otherwise the operator.</summary>
    public required string By { get; init; }

    /// <summary>The region the provider reported, for an incident.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ReportedRegion { get; init; }

    /// <summary>Its jurisdiction, or <c>unmapped</c>, for an incident.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ReportedJurisdiction { get; init; }

    /// <summary>The deployment's declared processing regions, joined with '+', for an incident.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DeclaredRegions { get; init; }

    /// <summary>The audit event id of the request whose attempt found the incident.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RequestEventId { get; init; }

    /// <summary>The operator's note (a manual quarantine's reason, or why a clear is safe).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Note { get; init; }

    /// <summary>Whether this process saw the change in the shared store (made by another process or the tool) rather than making it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Observed { get; init; }
}

/// <summary>The egress redaction of one request's Input: the policy and counts per kind, never the items or the mapping.</summary>
public sealed record AuditRedaction
{
    /// <summary>The policy applied: <c>Redact</c> or <c>RedactAndRestore</c>.</summary>
    public required string Policy { get; init; }

    /// <summary>How many items of each kind (<c>EMAIL</c>, <c>CARD</c>, ...) were replaced in the Input (occurrences, not distinct values).</summary>
    public IReadOnlyDictionary<string, int> Counts { get; init; } = new Dictionary<string, int>();
}

/// <summary>What the workspace required and what the serving deployment had, for a reviewer to compare.</summary>
public sealed record AuditPromises
{
    /// <summary>The hosting region required (or the serving deployment's regions, joined with '+').</summary>
    public required string Region { get; init; }

    /// <summary>Whether processing was pinned to the US.</summary>
    public bool UsPinned { get; init; }

    /// <summary>Zero data retention: required is always true; actual is the contract reference in force, if any.</summary>
    public string? ZeroDataRetention { get; init; }

    /// <summary>No training: required is always true; actual is the contract reference in force, if any.</summary>
    public string? NoTraining { get; init; }

    /// <summary>BAA: "required" or "not-required" for the requirement; the contract reference for the actual.</summary>
    public string? BusinessAssociateAgreement { get; init; }
}

/// <summary>
/// The record of one <c>SendAsync</c>, whatever its outcome. It holds no content, no personal data and no secrets:
/// Input and Output appear only as keyed HMAC digests. Records are chained with a keyed MAC so that any edit,
/// removal, insertion, reordering or forgery by someone without the chain key is detected by
/// <see cref="AuditChainVerifier"/>.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>The record's position in its chain, from 1.</summary>
    public long Sequence { get; init; }

    /// <summary>A unique id for the event.</summary>
    public required string EventId { get; init; }

    /// <summary>When the request finished.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The caller's correlation id, if any.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The workspace.</summary>
    public required string WorkspaceId { get; init; }

    /// <summary>The product.</summary>
    public required string Product { get; init; }

    /// <summary>The declared purpose.</summary>
    public required string Purpose { get; init; }

    /// <summary>The capability.</summary>
    public required string Capability { get; init; }

    /// <summary>The plan's policy fingerprint; empty when the request was refused before planning.</summary>
    public string PolicyFingerprint { get; init; } = string.Empty;

    /// <summary>What the workspace required.</summary>
    public required AuditPromises Required { get; init; }

    /// <summary>What the serving deployment had; <see langword="null"/> when nothing served the request.</summary>
    public AuditPromises? Actual { get; init; }

    /// <summary>The workspace's training-consent state and the rule that decided it, when known.</summary>
    public string? Consent { get; init; }

    /// <summary>What happened to the (anonymised) Input and Output with respect to training.</summary>
    public string? TrainingDecision { get; init; }

    /// <summary>Excluded deployments by reason code.</summary>
    [JsonConverter(typeof(RejectionsJsonConverter))]
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Rejections { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Every attempt and skip, in order.</summary>
    public IReadOnlyList<AuditAttempt> Attempts { get; init; } = [];

    /// <summary>How the request ended.</summary>
    public required AuditOutcome Outcome { get; init; }

    /// <summary>The reason code behind the outcome, such as <c>purpose-not-cleared</c> or <c>deadline-exceeded</c>.</summary>
    public string? OutcomeReason { get; init; }

    /// <summary>The type name of the M.E.AI client that served the request, when one did.</summary>
    public string? ServedByClient { get; init; }

    /// <summary><see langword="true"/> when a simulated client served the request (demos and tests only); null otherwise.</summary>
    public bool? Simulated { get; init; }

    /// <summary>Input tokens the provider reported, when it did (a count, never content).</summary>
    public long? InputTokens { get; init; }

    /// <summary>Output tokens the provider reported, when it did (a count, never content).</summary>
    public long? OutputTokens { get; init; }

    /// <summary>The deployment that served the request, if any.</summary>
    public string? ServedBy { get; init; }

    /// <summary>HMAC-SHA256 (hex) of the Input under the audit digest key.</summary>
    public string? InputDigest { get; init; }

    /// <summary>HMAC-SHA256 (hex) of the Output under the audit digest key, when there was one.</summary>
    public string? OutputDigest { get; init; }

    /// <summary>The <see cref="Kind"/> of a quarantine record.</summary>
    public const string QuarantineKind = "quarantine";

    /// <summary>
    /// What the record is about: absent for the record of a request (every record before quarantines existed), or
    /// <see cref="QuarantineKind"/> for a quarantine event (then <see cref="Quarantine"/> is set and the request fields are empty).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    /// <summary>The quarantine event, when <see cref="Kind"/> is <see cref="QuarantineKind"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AuditQuarantineEvent? Quarantine { get; init; }

    /// <summary>
    /// On a write-ahead intent (<see cref="AuditOutcome.Intent"/>) only: where the Input is about to be sent. The router
    /// names the one deployment it is about to call; a failover to another deployment stores another intent first.
    /// Absent from other records, and from every record written before intents existed, so those keep their stored bytes.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AuditDestination>? Destinations { get; init; }

    /// <summary>
    /// The egress redaction applied to the request's Input, when its policy was not Off: the policy and how many items of
    /// each kind were replaced, never the items. Absent when redaction was off, so those records keep their stored bytes.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AuditRedaction? Redaction { get; init; }

    /// <summary>The <see cref="AuditChainKey.Id"/> of the key that sealed this record.</summary>
    public string KeyId { get; init; } = string.Empty;

    /// <summary>The previous record's <see cref="Mac"/>; empty for the first record of a chain.</summary>
    public string PreviousMac { get; init; } = string.Empty;

    /// <summary>
    /// HMAC-SHA256 (64 lowercase hex digits) under the chain key <see cref="KeyId"/>, over the exact bytes of this
    /// record as stored without this field (see <see cref="AuditChain"/>). Written last on the line, outside the
    /// bytes it seals.
    /// </summary>
    [JsonIgnore]
    public string Mac { get; init; } = string.Empty;
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    WriteIndented = false)]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(AuditCheckpoint))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
