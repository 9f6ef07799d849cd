using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Training;

/// <summary>
/// The training opt-out ledger: records requests, grants and opt-ins as events, and answers a workspace's effective
/// consent with the rule behind it.
/// </summary>
public interface ITrainingConsentLedger
{
    /// <summary>Records an opt-out request now. Capture stops at once; the exclusion is due 30 days later.</summary>
    ValueTask<PendingOptOut> RequestOptOutAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default);

    /// <summary>Records that the exclusion is finished and the opt-out granted.</summary>
    /// <exception cref="InvalidOperationException">There is no pending request to grant.</exception>
    ValueTask<ConsentEvent> GrantOptOutAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default);

    /// <summary>Records an explicit opt-in (or opt back in), which overrides any default opt-out.</summary>
    ValueTask<ConsentEvent> OptInAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default);

    /// <summary>The workspace's consent now, applying the default opt-out classes to <paramref name="profile"/>.</summary>
    ValueTask<EffectiveConsent> GetEffectiveAsync(WorkspaceComplianceProfile profile, CancellationToken cancellationToken = default);

    /// <summary>Pending requests whose due date falls within <paramref name="window"/> from now (not yet overdue).</summary>
    ValueTask<IReadOnlyList<PendingOptOut>> DueWithinAsync(TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>Pending requests past their due date.</summary>
    ValueTask<IReadOnlyList<PendingOptOut>> OverdueAsync(CancellationToken cancellationToken = default);
}
