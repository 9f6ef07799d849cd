namespace Intercom.AiCompliance.Training;

/// <summary>What changed in a workspace's training consent.</summary>
public enum ConsentEventKind
{
    /// <summary>The workspace asked to be opted out. Capture stops at once; the exclusion is due within 30 days.</summary>
    OptOutRequested = 1,

    /// <summary>The exclusion is finished (already-captured data removed from training sets): the opt-out is granted.</summary>
    OptOutGranted = 2,

    /// <summary>The workspace explicitly opted in (or back in), overriding any default opt-out.</summary>
    OptedIn = 3,
}

/// <summary>
/// One change to a workspace's training consent, with its time. The ledger is the ordered list of these events,
/// so a durable store only ever appends.
/// </summary>
/// <param name="WorkspaceId">The workspace.</param>
/// <param name="Kind">What changed.</param>
/// <param name="At">When it was recorded.</param>
/// <param name="Reference">Where the change is documented (a settings change id, a ticket); never personal data.</param>
/// <param name="Sequence">The event's position in the store, assigned on append; orders events recorded at the same instant.</param>
public sealed record ConsentEvent(string WorkspaceId, ConsentEventKind Kind, DateTimeOffset At, string? Reference, long Sequence = 0);
