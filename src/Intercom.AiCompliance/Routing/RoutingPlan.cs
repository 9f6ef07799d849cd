using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// The what-if answer for a request: which deployments may receive its Input, in the order they would be tried,
/// and why every other deployment was excluded.
/// </summary>
/// <remarks>
/// A plan is a pure function of the catalogue, the rules, the policy class and the instant. It stays the same for
/// every instant in [<see cref="EvaluatedAt"/>, <see cref="ValidUntil"/>), the window in which no contract starts or ends.
/// </remarks>
public sealed class RoutingPlan
{
    internal RoutingPlan(
        PolicyClass policy,
        IReadOnlyList<ProviderDeployment> candidates,
        IReadOnlyList<DeploymentRejection> rejections,
        IReadOnlyList<RuleViolation> requestViolations,
        string policyFingerprint,
        DateTimeOffset evaluatedAt,
        DateTimeOffset windowStart,
        DateTimeOffset validUntil)
    {
        Policy = policy;
        Candidates = candidates;
        Rejections = rejections;
        RequestViolations = requestViolations;
        PolicyFingerprint = policyFingerprint;
        EvaluatedAt = evaluatedAt;
        WindowStart = windowStart;
        ValidUntil = validUntil;
    }

    /// <summary>The policy class the request fell into.</summary>
    public PolicyClass Policy { get; }

    /// <summary>The compliant deployments, best first; failover walks them in this order and no others.</summary>
    public IReadOnlyList<ProviderDeployment> Candidates { get; }

    /// <summary>Every excluded deployment with all of its reasons, in catalogue order.</summary>
    public IReadOnlyList<DeploymentRejection> Rejections { get; }

    /// <summary>Why the request itself is refused (purpose, knowledge source, size); empty when it may proceed.</summary>
    public IReadOnlyList<RuleViolation> RequestViolations { get; }

    /// <summary>A SHA-256 (hex) of the catalogue, every rule with its parameters (limits, lists) and the policy class: equal fingerprints mean the same policy was applied.</summary>
    public string PolicyFingerprint { get; }

    /// <summary>The instant the rules were evaluated at.</summary>
    public DateTimeOffset EvaluatedAt { get; }

    /// <summary>The first instant after <see cref="EvaluatedAt"/> at which a contract starts or ends, or a rule says its answer may change: the plan may differ from then on.</summary>
    public DateTimeOffset ValidUntil { get; }

    /// <summary>The last contract change at or before <see cref="EvaluatedAt"/>: the plan holds from then on.</summary>
    internal DateTimeOffset WindowStart { get; }

    /// <summary>Whether the request may be sent: no request-level refusal and at least one candidate.</summary>
    public bool IsRoutable => RequestViolations.Count == 0 && Candidates.Count > 0;

    internal bool HoldsAt(DateTimeOffset now) => now >= WindowStart && now < ValidUntil;

    private IReadOnlyDictionary<string, IReadOnlyList<string>>? _byReason;

    /// <summary>Excluded deployment ids grouped by reason code; computed once per plan, as the audit trail records it.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> RejectionsByReason => _byReason ??= new Audit.RejectionIndex(Rejections
        .SelectMany(r => r.Violations.Select(v => (v.Reason.Code, r.Deployment.Id)))
        .GroupBy(p => p.Code, StringComparer.Ordinal)
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => KeyValuePair.Create(g.Key, (IReadOnlyList<string>)g.Select(p => p.Id).Distinct().ToArray())));

    /// <summary>A plan for a request refused before any policy class could be formed (for example, an unknown workspace).</summary>
    internal static RoutingPlan Refused(Capability capability, RuleViolation violation, DateTimeOffset now) =>
        new(new PolicyClass(default, false, false, capability), [], [], [violation], string.Empty, now, now, now);
}
