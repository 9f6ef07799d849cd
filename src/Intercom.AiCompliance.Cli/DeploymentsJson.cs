using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Quarantine;

namespace Intercom.AiCompliance.Cli;

/// <summary>
/// The documented JSON shape of <c>aicompliance deployments --json</c> (schema version 1, docs/cli.md): the configured
/// state of each deployment and its quarantine as the configured store holds it. Circuit state is not here (it lives in a
/// running host).
/// </summary>
internal sealed record DeploymentsJson(int SchemaVersion, DateTimeOffset EvaluatedAt, string CatalogFingerprint, string QuarantineStore, IReadOnlyList<DeploymentJson> Deployments)
{
    public static DeploymentsJson From(ProviderCatalog catalog, DateTimeOffset at, IReadOnlyList<QuarantineEntry>? quarantines = null, string quarantineStore = "not read") => new(
        1,
        at,
        catalog.Fingerprint,
        quarantineStore,
        catalog.Deployments.Select(d => new DeploymentJson(
            d.Id,
            d.Provider.ToString(),
            d.Subprocessor,
            d.Model,
            d.Capabilities.Select(c => c.ToString()).ToArray(),
            d.ProcessingRegions.Select(r => r.Code).ToArray(),
            d.Endpoint,
            d.SubprocessorLists,
            d.Attestations.Select(a => new AttestationJson(a.Kind.ToString(), a.Reference, a.EffectiveFrom, a.ExpiresAt, StateOf(a, at))).ToArray(),
            d.DeploymentType == DeploymentType.Unknown ? null : d.DeploymentType.ToString(),
            quarantines is null ? null : QuarantineOf(d.Id, quarantines))).ToArray());

    /// <summary>"quarantined" with its facts, "not-quarantined", or "cleared" (the last quarantine, cleared).</summary>
    private static QuarantineJson QuarantineOf(string id, IReadOnlyList<QuarantineEntry> entries) =>
        entries.FirstOrDefault(e => string.Equals(e.DeploymentId, id, StringComparison.OrdinalIgnoreCase)) is { } e
            ? new QuarantineJson(e.IsActive ? "quarantined" : "cleared", e.QuarantinedAt, e.Reason, e.ReportedRegion, e.ReportedJurisdiction, e.AuditEventId, e.ClearedAt, e.ClearedBy, e.ClearReason)
            : new QuarantineJson("not-quarantined", null, null, null, null, null, null, null, null);

    /// <summary>
    /// "in-force", "not-yet-in-force", "expired", or "incomplete" (no reference or start date: never counts). The
    /// routing rules use <see cref="Attestation.IsInForceAt"/>, so "in-force" here is what the router relies on.
    /// </summary>
    private static string StateOf(Attestation a, DateTimeOffset at) =>
        a.IsInForceAt(at) ? "in-force"
        : a.Kind == AttestationKind.Unknown || string.IsNullOrWhiteSpace(a.Reference) || a.EffectiveFrom is null ? "incomplete"
        : a.EffectiveFrom > at ? "not-yet-in-force"
        : "expired";

    public void WriteText(TextWriter o)
    {
        o.WriteLine($"Deployments of the configured catalogue ({Deployments.Count}), contracts as at {EvaluatedAt:O}, catalogue fingerprint {CatalogFingerprint}:");
        foreach (var d in Deployments)
        {
            o.WriteLine($"  {d.Id} ({d.Provider}, {d.Model})");
            o.WriteLine($"      capabilities {string.Join(", ", d.Capabilities)}; processes in {string.Join("+", d.Regions)}; subprocessor lists {(d.SubprocessorLists.Count > 0 ? string.Join(", ", d.SubprocessorLists) : "none")}");
            if (d.Contracts.Count == 0)
            {
                o.WriteLine("      contracts: none (no zero retention, no-training or BAA promise can be relied on)");
            }

            if (d.DeploymentType is { } type)
            {
                o.WriteLine($"      deployment type {type}");
            }

            o.WriteLine(d.Quarantine switch
            {
                null => "      quarantine: unknown (the configured host keeps quarantines in memory only)",
                { State: "quarantined" } q => $"      QUARANTINED since {q.Since:O} ({q.Reason}{(q.ReportedRegion is null ? "" : $": provider reported {q.ReportedRegion}, {q.ReportedJurisdiction}")}); clear with 'aicompliance quarantine clear {d.Id}'",
                { State: "cleared" } q => $"      not quarantined (last quarantine cleared {q.ClearedAt:O} by {q.ClearedBy})",
                _ => "      not quarantined",
            });

            foreach (var c in d.Contracts)
            {
                o.WriteLine($"      {c.Kind}: {c.State}{(c.Reference is null ? "" : $" ({c.Reference}")}{(c.ExpiresAt is { } until ? $", until {until:yyyy-MM-dd}" : "")}{(c.Reference is null ? "" : ")")}");
            }
        }

        o.WriteLine("Circuit-breaker state is not shown: it lives in a running host's memory, and this tool starts no host.");
        o.WriteLine($"Quarantine as read from {QuarantineStore}.");
    }
}

internal sealed record DeploymentJson(
    string Id,
    string Provider,
    string? Subprocessor,
    string Model,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> Regions,
    string Endpoint,
    IReadOnlyList<string> SubprocessorLists,
    IReadOnlyList<AttestationJson> Contracts,
    string? DeploymentType,
    QuarantineJson? Quarantine);

internal sealed record QuarantineJson(string State, DateTimeOffset? Since, string? Reason, string? ReportedRegion, string? ReportedJurisdiction, string? AuditEventId,
    DateTimeOffset? ClearedAt, string? ClearedBy, string? ClearReason);

internal sealed record AttestationJson(string Kind, string? Reference, DateTimeOffset? EffectiveFrom, DateTimeOffset? ExpiresAt, string State);
