using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// Runs the rules over the catalogue and orders the compliant deployments. Pure and deterministic; plans are
/// cached per <see cref="PolicyClass"/> until the next contract starts or ends (or a rule says its answer may change), so the cost of a plan for a class
/// already seen does not grow with the catalogue.
/// </summary>
public sealed class RoutingPlanner
{
    private static readonly IReadOnlyList<RuleViolation> NoViolations = [];
    private readonly ConcurrentDictionary<PolicyClass, RoutingPlan> _cache = new();
    private readonly string _rulesFingerprint;

    /// <summary>Creates a planner over a validated catalogue.</summary>
    public RoutingPlanner(ProviderCatalog catalog, ComplianceRuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(rules);
        Catalog = catalog;
        Rules = rules;
        // Every rule's type and parameters, not only its name: a changed limit, list or cut-off is a different policy.
        _rulesFingerprint = string.Join("\n",
            rules.DeploymentRules.Select(r => $"deployment-rule {r.GetType().FullName} {r.Fingerprint}")
                .Concat(rules.RequestRules.Select(r => $"request-rule {r.GetType().FullName} {r.Fingerprint}")));
    }

    /// <summary>The catalogue planned against.</summary>
    public ProviderCatalog Catalog { get; }

    /// <summary>The rules applied.</summary>
    public ComplianceRuleSet Rules { get; }

    /// <summary>
    /// Plans <paramref name="request"/> for <paramref name="profile"/> at <paramref name="now"/>: request rules first,
    /// then the (cached) plan for the policy class.
    /// </summary>
    public RoutingPlan Plan(AiRequest request, WorkspaceComplianceProfile profile, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(profile);
        var classPlan = PlanFor(profile.PolicyClassFor(request.Capability), now);

        List<RuleViolation>? violations = null;
        var requestRules = Rules.RequestRules;
        for (var i = 0; i < requestRules.Count; i++)
        {
            if (requestRules[i].Evaluate(request, profile, now) is { } v)
            {
                (violations ??= []).Add(v);
            }
        }

        return violations is null
            ? classPlan
            : new RoutingPlan(classPlan.Policy, [], classPlan.Rejections, violations, classPlan.PolicyFingerprint,
                classPlan.EvaluatedAt, classPlan.WindowStart, classPlan.ValidUntil);
    }

    /// <summary>The plan for every request in <paramref name="policy"/> at <paramref name="now"/>.</summary>
    public RoutingPlan PlanFor(PolicyClass policy, DateTimeOffset now)
    {
        if (_cache.TryGetValue(policy, out var cached) && cached.HoldsAt(now))
        {
            return cached;
        }

        var plan = Evaluate(policy, now);
        _cache[policy] = plan;
        return plan;
    }

    /// <summary>
    /// Checks one deployment against every rule at <paramref name="now"/>, bypassing the cache: used before each
    /// attempt, because a contract can expire while a request is in flight.
    /// </summary>
    public RuleViolation? FirstViolation(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var rules = Rules.DeploymentRules;
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Evaluate(deployment, policy, now) is { } v)
            {
                return v;
            }
        }

        return null;
    }

    private static bool InRegion(ProviderDeployment d, Region region)
    {
        foreach (var r in d.ProcessingRegions)
        {
            if (r != region)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Evaluates a policy class without the cache (for benchmarks of a class not seen before).</summary>
    internal RoutingPlan EvaluateUncached(PolicyClass policy, DateTimeOffset now) => Evaluate(policy, now);

    private RoutingPlan Evaluate(PolicyClass policy, DateTimeOffset now)
    {
        var candidates = new List<ProviderDeployment>();
        var rejections = new List<DeploymentRejection>();
        var validUntil = Catalog.NextContractChangeAfter(now);
        var windowStart = Catalog.LastContractChangeAtOrBefore(now);
        foreach (var deployment in Catalog.Deployments)
        {
            List<RuleViolation>? violations = null;
            foreach (var rule in Rules.DeploymentRules)
            {
                if (rule.Evaluate(deployment, policy, now) is { } v)
                {
                    (violations ??= []).Add(v);
                }

                // A rule whose answer depends on time of its own says when it may change: the plan expires then.
                if (rule.NextChangeAfter(deployment, policy, now) is { } change)
                {
                    validUntil = change > now ? (change < validUntil ? change : validUntil) : now;
                    windowStart = now;
                }
            }

            if (violations is null)
            {
                candidates.Add(deployment);
            }
            else
            {
                rejections.Add(new DeploymentRejection(deployment, violations));
            }
        }

        // Best quality first; among equals, the one that processes only in the hosting region (closer, and no
        // cross-border transfer even where the workspace allows one); then by id, so the order is total and stable.
        candidates.Sort((a, b) =>
        {
            var byScore = b.Quality.Score.CompareTo(a.Quality.Score);
            if (byScore != 0)
            {
                return byScore;
            }

            var byLocality = InRegion(b, policy.HostingRegion).CompareTo(InRegion(a, policy.HostingRegion));
            return byLocality != 0 ? byLocality : string.CompareOrdinal(a.Id, b.Id);
        });

        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{Catalog.Fingerprint}\n{_rulesFingerprint}\n{policy}")));
        return new RoutingPlan(policy, candidates, rejections, NoViolations, fingerprint, now, windowStart, validUntil);
    }
}
