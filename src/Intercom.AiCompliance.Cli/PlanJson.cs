using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Cli;

/// <summary>The documented JSON shape of <c>aicompliance plan --json</c> (schema version 1, docs/cli.md).</summary>
internal sealed record PlanJson(
    int SchemaVersion,
    string Workspace,
    string Product,
    string Purpose,
    string Capability,
    PolicyJson PolicyClass,
    DateTimeOffset EvaluatedAt,
    DateTimeOffset ValidUntil,
    string PolicyFingerprint,
    bool Routable,
    IReadOnlyList<ViolationJson> RequestViolations,
    IReadOnlyList<CandidateJson> Candidates,
    IReadOnlyList<RejectionJson> Rejections)
{
    public static PlanJson From(RoutingPlan plan, WorkspaceComplianceProfile profile, AiRequest request) => new(
        1,
        profile.WorkspaceId,
        request.Product.ToString(),
        request.Purpose.ToString(),
        request.Capability.ToString(),
        new PolicyJson(plan.Policy.HostingRegion.Code, plan.Policy.PinnedToUsProcessing, plan.Policy.RequiresBaa),
        plan.EvaluatedAt,
        plan.ValidUntil,
        plan.PolicyFingerprint,
        plan.IsRoutable,
        plan.RequestViolations.Select(ViolationJson.From).ToArray(),
        plan.Candidates.Select((d, i) => new CandidateJson(i + 1, d.Id, d.Provider.ToString(), d.Model, d.ProcessingRegions.Select(r => r.Code).ToArray(), Math.Round(d.Quality.Score, 6))).ToArray(),
        plan.Rejections.Select(r => new RejectionJson(r.Deployment.Id, r.Deployment.Provider.ToString(), r.Violations.Select(ViolationJson.From).ToArray())).ToArray());
}

internal sealed record PolicyJson(string HostingRegion, bool UsPinned, bool RequiresBaa);

internal sealed record CandidateJson(int Rank, string Id, string Provider, string Model, IReadOnlyList<string> Regions, double Score);

internal sealed record RejectionJson(string Id, string Provider, IReadOnlyList<ViolationJson> Reasons);

internal sealed record ViolationJson(string Reason, string Rule, string Detail)
{
    public static ViolationJson From(Intercom.AiCompliance.Rules.RuleViolation v) => new(v.Reason.Code, v.Rule, v.Detail);
}
