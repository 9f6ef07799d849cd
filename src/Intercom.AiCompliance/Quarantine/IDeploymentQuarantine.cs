namespace Intercom.AiCompliance.Quarantine;

/// <summary>
/// The operator's view of quarantined deployments. A quarantined deployment receives no traffic: plans list it as rejected
/// (<c>deployment-quarantined</c>) and the router passes over it, until an operator clears it here or with
/// <c>aicompliance quarantine clear</c>. Implemented by <see cref="DeploymentQuarantine"/>.
/// </summary>
public interface IDeploymentQuarantine
{
    /// <summary>Whether the deployment is quarantined, as this process last read the store (it re-reads it periodically).</summary>
    bool IsQuarantined(string deploymentId);

    /// <summary>Re-reads the store and returns every entry, active or cleared, ordered by deployment id.</summary>
    ValueTask<IReadOnlyList<QuarantineEntry>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Quarantines a deployment by hand (for example while an incident is investigated); returns the entry in force.</summary>
    /// <param name="deploymentId">The deployment's id.</param>
    /// <param name="operatorName">Who quarantines it (recorded in the store and the audit trail).</param>
    /// <param name="reason">Why (recorded; write no customer data here).</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    ValueTask<QuarantineEntry> QuarantineAsync(string deploymentId, string operatorName, string reason, CancellationToken cancellationToken = default);

    /// <summary>Clears a deployment's quarantine, so traffic may flow to it again; <see langword="false"/> when it was not quarantined.</summary>
    /// <param name="deploymentId">The deployment's id.</param>
    /// <param name="operatorName">Who clears it (recorded in the store and the audit trail).</param>
    /// <param name="reason">Why it is safe again (recorded; write no customer data here).</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    ValueTask<bool> ClearAsync(string deploymentId, string operatorName, string reason, CancellationToken cancellationToken = default);

    /// <summary>Re-reads the store now (a clear made by another process takes effect here).</summary>
    ValueTask RefreshAsync(CancellationToken cancellationToken = default);
}
