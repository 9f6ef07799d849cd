using System.Diagnostics;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Telemetry;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// The served-region check: during each attempt the router listens for where the provider says it processed
/// (<see cref="ServedRegionReport"/>); after it, a region outside the deployment's processing regions, or one that maps to
/// no jurisdiction, is a compliance incident. The attempt counts as failed (<see cref="AttemptOutcome.ServedOutsideRegions"/>,
/// never retried there), its answer is discarded, the deployment is quarantined at once and the request fails over inside
/// the plan. Quarantined deployments are rejected from plans and passed over by the attempt walk.
/// </summary>
public sealed partial class ProviderRouter
{
    private readonly DeploymentQuarantine _quarantine;

    private static readonly RuleViolation QuarantinedViolation = new(RejectionReason.DeploymentQuarantined, "quarantine",
        "the deployment is quarantined (a served-region incident or an operator) until an operator clears it");

    /// <summary>The quarantine this router honours and reports incidents to.</summary>
    public DeploymentQuarantine Quarantine => _quarantine;

    /// <summary>The plan with every quarantined candidate moved to the rejections (<c>deployment-quarantined</c>).</summary>
    private RoutingPlan WithoutQuarantined(RoutingPlan plan)
    {
        if (_quarantine.Count == 0 || plan.Candidates.Count == 0)
        {
            return plan;
        }

        List<ProviderDeployment>? kept = null;
        List<DeploymentRejection>? rejected = null;
        for (var i = 0; i < plan.Candidates.Count; i++)
        {
            var d = plan.Candidates[i];
            if (_quarantine.IsQuarantined(d.Id))
            {
                kept ??= [.. plan.Candidates.Take(i)];
                (rejected ??= []).Add(new DeploymentRejection(d, [QuarantinedViolation]));
            }
            else
            {
                kept?.Add(d);
            }
        }

        return rejected is null
            ? plan
            : new RoutingPlan(plan.Policy, kept!, [.. plan.Rejections, .. rejected], plan.RequestViolations, plan.PolicyFingerprint,
                plan.EvaluatedAt, plan.WindowStart, plan.ValidUntil);
    }

    /// <summary>Records the incident attempt and returns the exception that fails it over.</summary>
    private ServedOutsideRegionsException Incident(Run run, Lane lane, ServedRegionReport.ServedRegion outside, DateTimeOffset startedAt, long start, Activity? activity)
    {
        var failure = new AttemptFailure(lane.Deployment.Id, nameof(ProviderFailureKind.ServedOutsideRegions), ProviderFailureKind.ServedOutsideRegions, null);
        run.Add(lane, AttemptOutcome.ServedOutsideRegions, ProviderFailureKind.ServedOutsideRegions, startedAt, _time.GetElapsedTime(start), failure.ExceptionType, null, outside);
        activity?.SetTag("aicompliance.served_region", outside.Name);
        activity?.SetStatus(ActivityStatusCode.Error, "served-outside-regions");
        activity?.SetTag(GenAiConventions.ErrorType, GenAiConventions.Error(ProviderFailureKind.ServedOutsideRegions));
        return new ServedOutsideRegionsException(failure, outside);
    }

    /// <summary>Releases an answer that must not reach the caller (an opened stream is disposed).</summary>
    private static async ValueTask DiscardAsync<T>(T output)
    {
        try
        {
            switch (output)
            {
                case IAsyncDisposable a:
                    await a.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable d:
                    d.Dispose();
                    break;
            }
        }
#pragma warning disable CA1031 // The answer is being thrown away; its client failing to close has nothing to tell.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// A served-region incident as the pipeline sees it: not transient (never retried on the deployment, not counted by its
    /// breaker, which the quarantine supersedes), holding no part of the client's answer or exception.
    /// </summary>
    private sealed class ServedOutsideRegionsException(AttemptFailure failure, ServedRegionReport.ServedRegion region)
        : Exception("The provider reported processing outside the deployment's processing regions.")
    {
        public AttemptFailure Failure { get; } = failure;

        public ServedRegionReport.ServedRegion Region { get; } = region;
    }
}
