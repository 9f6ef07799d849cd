using System.Globalization;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Training;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Intercom.AiCompliance.AspNetCore;

/// <summary>
/// The deployments' circuits and quarantines. Healthy: every circuit closed and no deployment quarantined. Degraded: some
/// deployments are quarantined or have circuits open, half-open or isolated, but every capability still has a deployment
/// that is not quarantined and whose circuit is closed or half-open. Unhealthy: no deployment at all, or every deployment
/// of some capability quarantined, open or isolated (requests for it are refused or fail). The data holds each
/// deployment's circuit state, break end and quarantine; never content.
/// </summary>
public sealed class DeploymentCircuitsHealthCheck(IDeploymentStateReader deployments) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var states = deployments.GetDeploymentStates();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var s in states)
        {
            data[s.DeploymentId] = (s.BreakEndsAt is { } end
                ? $"{s.Circuit} until {end.ToString("O", CultureInfo.InvariantCulture)}"
                : s.Circuit.ToString())
                + (s.Quarantined ? $", quarantined ({s.QuarantineReason})" : string.Empty);
        }

        if (states.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("No deployment is served.", data: data));
        }

        var down = Enum.GetValues<Capability>()
            .Where(c => states.Any(s => s.Capabilities.Contains(c)))
            .Where(c => states.Where(s => s.Capabilities.Contains(c)).All(s => s.Quarantined || s.Circuit is DeploymentCircuitState.Open or DeploymentCircuitState.Isolated))
            .ToArray();
        if (down.Length > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"Every deployment of {string.Join(", ", down)} is quarantined, has its circuit open or is isolated.", data: data));
        }

        var quarantined = states.Where(s => s.Quarantined).Select(s => s.DeploymentId).ToArray();
        var notClosed = states.Where(s => !s.Quarantined && s.Circuit != DeploymentCircuitState.Closed).Select(s => s.DeploymentId).ToArray();
        var problems = new List<string>();
        if (quarantined.Length > 0)
        {
            problems.Add($"Quarantined until an operator clears them: {string.Join(", ", quarantined)}.");
        }

        if (notClosed.Length > 0)
        {
            problems.Add($"Circuits not closed: {string.Join(", ", notClosed)}.");
        }

        return Task.FromResult(problems.Count > 0
            ? HealthCheckResult.Degraded(string.Join(" ", problems), data: data)
            : HealthCheckResult.Healthy($"{states.Count} deployment(s), every circuit closed, none quarantined.", data));
    }
}

/// <summary>
/// The audit trail. Unhealthy when it is shut down or its most recent write failed (with the default fail-closed
/// policy, requests fail until a write succeeds again); healthy otherwise.
/// </summary>
public sealed class AuditTrailHealthCheck(AuditTrail trail) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(trail.IsShutDown
            ? HealthCheckResult.Unhealthy("The audit trail is shut down.")
            : trail.LastWriteFailure is { } failure
                ? HealthCheckResult.Unhealthy($"The last audit write failed ({failure}).")
                : HealthCheckResult.Healthy("The audit trail is writable."));
}

/// <summary>
/// The consent store: healthy when a read completes, unhealthy when it throws (only the exception's type name is
/// reported, never its message, which may quote a connection string).
/// </summary>
public sealed class ConsentStoreHealthCheck(IConsentEventStore store) : IHealthCheck
{
    /// <summary>The workspace id the probe reads; no real workspace uses it.</summary>
    public const string ProbeWorkspaceId = "aicompliance-health-probe";

    /// <inheritdoc/>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ReadAsync(ProbeWorkspaceId, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The consent store answered.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any store failure is an unhealthy store; its message is not reported.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return HealthCheckResult.Unhealthy($"The consent store failed ({ex.GetType().FullName}).");
        }
    }
}
