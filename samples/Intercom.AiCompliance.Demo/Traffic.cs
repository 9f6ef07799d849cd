using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Demo;

internal sealed record TrafficResult(string Phase, Scenario Scenario, AiResponse? Response, AiRoutingException? Error)
{
    public IReadOnlyList<RouteAttempt> Attempts => Response?.Attempts ?? Error switch
    {
        AllCandidatesFailedException f => f.Attempts,
        ProviderRefusalException r => r.Attempts,
        _ => [],
    };

    public bool FailedOver => Attempts.Select(a => a.DeploymentId).Distinct().Count() > 1;
}

internal static class Traffic
{
    private static int _counter;

    public static async Task<TrafficResult> SendAsync(IProviderRouter router, Scenario scenario, WorkspaceComplianceProfile profile, string phase)
    {
        try
        {
            var response = await router.SendAsync(scenario.ToRequest(Interlocked.Increment(ref _counter)));
            return new TrafficResult(phase, scenario, response, null);
        }
        catch (AiRoutingException ex)
        {
            return new TrafficResult(phase, scenario, null, ex);
        }
    }

    /// <summary>Whether a deployment keeps the workspace's residency promise (checked independently of the router).</summary>
    public static bool InsideBoundary(ProviderDeployment served, WorkspaceComplianceProfile profile)
    {
        if (profile.HostingRegion == Region.US)
        {
            return !profile.PinnedToUsProcessing || served.ProcessingRegions.All(r => r == Region.US);
        }

        return served.ProcessingRegions.All(r => r == profile.HostingRegion)
            && (profile.HostingRegion != Region.EU || served.IsOnList(SubprocessorLists.Eu));
    }
}
