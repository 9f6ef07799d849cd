using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>
/// Data residency and list membership. Every workspace, whatever its hosting, may use only deployments on the published
/// global subprocessor list: a deployment on no list was never disclosed to any customer, so no promise admits it.
/// Default (US) hosting adds nothing more unless the workspace is pinned to US processing (then every processing region
/// must be the US). Regional hosting (EU, AU, ...): every region where the deployment may process must be the hosting
/// region, and where the region has its own subprocessor list (EU) the deployment must be on it too.
/// </summary>
/// <remarks>
/// Requiring the global list for regional hosting keeps the promises ordered: a stricter promise (EU, AU) never admits a
/// deployment that the weaker default (US) refuses.
/// </remarks>
public sealed class ResidencyRule : IComplianceRule
{
    private readonly IReadOnlyDictionary<Region, string> _regionalLists;

    /// <summary>Creates the rule with the EU list as the only regional list.</summary>
    public ResidencyRule()
        : this(new Dictionary<Region, string> { [Region.EU] = SubprocessorLists.Eu })
    {
    }

    /// <summary>Creates the rule with the regional subprocessor lists given (hosting region to list name).</summary>
    public ResidencyRule(IReadOnlyDictionary<Region, string> regionalLists)
    {
        ArgumentNullException.ThrowIfNull(regionalLists);
        _regionalLists = regionalLists;
    }

    /// <inheritdoc/>
    public string Name => "residency";

    /// <inheritdoc/>
    public string Fingerprint => "residency(" + string.Join(";", _regionalLists.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")) + ")";

    /// <inheritdoc/>
    public RuleViolation? Evaluate(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var regions = deployment.ProcessingRegions;
        if (regions.Count == 0 || policy.HostingRegion.IsUnknown)
        {
            return new(RejectionReason.ProcessingRegionUnknown, Name, "processing regions are not recorded");
        }

        for (var i = 0; i < regions.Count; i++)
        {
            if (regions[i].IsUnknown)
            {
                return new(RejectionReason.ProcessingRegionUnknown, Name, "a processing region is not recorded");
            }
        }

        if (!deployment.IsOnList(SubprocessorLists.Global))
        {
            return new(RejectionReason.NotOnGlobalSubprocessorList, Name, "not on the global subprocessor list, so no customer was told about it");
        }

        if (policy.HostingRegion == Region.US)
        {
            return policy.PinnedToUsProcessing ? RequireAllIn(regions, Region.US) : null;
        }

        var offList = _regionalLists.TryGetValue(policy.HostingRegion, out var list) && !deployment.IsOnList(list);
        var outside = RequireAllIn(regions, policy.HostingRegion);
        if (outside is not null)
        {
            return offList ? outside with { Detail = $"{outside.Detail}; also not on the {list!.ToUpperInvariant()} subprocessor list" } : outside;
        }

        return offList
            ? new(RejectionReason.NotOnRegionalSubprocessorList, Name, $"not on the {list!.ToUpperInvariant()} subprocessor list")
            : null;
    }

    private RuleViolation? RequireAllIn(IReadOnlyList<Region> regions, Region required)
    {
        for (var i = 0; i < regions.Count; i++)
        {
            if (regions[i] != required)
            {
                return new(RejectionReason.ProcessingOutsideHostingRegion, Name,
                    $"may process in {string.Join("+", regions)}; workspace requires {required} only");
            }
        }

        return null;
    }
}
