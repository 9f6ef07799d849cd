using System.Text.Json.Serialization;

namespace Intercom.AiCompliance.Quarantine;

/// <summary>
/// The quarantine state of one deployment as a store keeps it: when and why it was quarantined and, once an operator
/// cleared it, when, by whom and why. It holds ids, region names and operator notes, never content.
/// </summary>
public sealed record QuarantineEntry
{
    /// <summary>The deployment's id in the catalogue.</summary>
    public required string DeploymentId { get; init; }

    /// <summary>When it was quarantined.</summary>
    public required DateTimeOffset QuarantinedAt { get; init; }

    /// <summary>
    /// Why: <see cref="DeploymentQuarantine.ServedOutsideRegions"/>, <see cref="DeploymentQuarantine.ServedRegionUnmapped"/>
    /// (the router found a served-region incident) or <see cref="DeploymentQuarantine.OperatorQuarantine"/>.
    /// </summary>
    public required string Reason { get; init; }

    /// <summary>Who quarantined it: <c>router</c> for an incident, otherwise the operator's name.</summary>
    public required string QuarantinedBy { get; init; }

    /// <summary>The region the provider reported, as it named it (cleaned), for an incident.</summary>
    public string? ReportedRegion { get; init; }

    /// <summary>The jurisdiction that region maps to, or <c>unmapped</c>, for an incident.</summary>
    public string? ReportedJurisdiction { get; init; }

    /// <summary>The regions the deployment declared at the time, joined with '+', for an incident.</summary>
    public string? DeclaredRegions { get; init; }

    /// <summary>The audit event id of the request whose attempt found the incident.</summary>
    public string? AuditEventId { get; init; }

    /// <summary>The operator's note when quarantining by hand.</summary>
    public string? Note { get; init; }

    /// <summary>When an operator cleared it; <see langword="null"/> while it is in force.</summary>
    public DateTimeOffset? ClearedAt { get; init; }

    /// <summary>The operator who cleared it.</summary>
    public string? ClearedBy { get; init; }

    /// <summary>Why the operator cleared it.</summary>
    public string? ClearReason { get; init; }

    /// <summary>Whether the quarantine is in force (not cleared).</summary>
    [JsonIgnore]
    public bool IsActive => ClearedAt is null;
}
