namespace Intercom.AiCompliance.Training;

/// <summary>A workspace's training-consent state.</summary>
public enum ConsentState
{
    /// <summary>Training on the workspace's anonymised data is allowed.</summary>
    OptedIn = 1,

    /// <summary>An opt-out was requested and is being processed: nothing is captured any more.</summary>
    OptOutPending = 2,

    /// <summary>Opted out (granted, or by default): nothing is captured.</summary>
    OptedOut = 3,
}

/// <summary>Which rule decided a workspace's consent state.</summary>
public enum ConsentRule
{
    /// <summary>Standard contract, no change recorded: in by default.</summary>
    StandardDefault = 1,

    /// <summary>The latest recorded change is an explicit opt-in.</summary>
    ExplicitOptIn = 2,

    /// <summary>The latest recorded change is an opt-out request.</summary>
    OptOutRequested = 3,

    /// <summary>The latest recorded change is a granted opt-out.</summary>
    OptOutGranted = 4,

    /// <summary>Default opt-out: Master SaaS Subscription Agreement.</summary>
    DefaultMssa = 10,

    /// <summary>Default opt-out: the workspace is under a BAA (handles health data).</summary>
    DefaultBaa = 11,

    /// <summary>Default opt-out: EU or AU (any non-US) regional hosting.</summary>
    DefaultRegionalHosting = 12,

    /// <summary>Default opt-out: trial account.</summary>
    DefaultTrial = 13,

    /// <summary>Default opt-out: the contract type is not known (unknown means no).</summary>
    DefaultUnknownContract = 14,
}

/// <summary>A workspace's consent as it stands at an instant, with the rule that decided it and its history.</summary>
/// <param name="WorkspaceId">The workspace.</param>
/// <param name="State">The state.</param>
/// <param name="DecidedBy">The rule that decided it.</param>
/// <param name="At">The instant it describes.</param>
/// <param name="OptOutDueBy">For a pending opt-out: when the exclusion must be finished (30 days after the request).</param>
/// <param name="History">Every recorded change, oldest first.</param>
public sealed record EffectiveConsent(
    string WorkspaceId,
    ConsentState State,
    ConsentRule DecidedBy,
    DateTimeOffset At,
    DateTimeOffset? OptOutDueBy,
    IReadOnlyList<ConsentEvent> History)
{
    /// <summary>Whether anonymised data may be offered for training now.</summary>
    public bool AllowsTraining => State == ConsentState.OptedIn;

    /// <inheritdoc/>
    public override string ToString() => $"{State} ({DecidedBy})";
}

/// <summary>An opt-out request whose exclusion is not yet granted.</summary>
/// <param name="WorkspaceId">The workspace.</param>
/// <param name="RequestedAt">When it was requested.</param>
/// <param name="DueBy">When the exclusion must be finished.</param>
/// <param name="Reference">Where the request is documented.</param>
public sealed record PendingOptOut(string WorkspaceId, DateTimeOffset RequestedAt, DateTimeOffset DueBy, string? Reference)
{
    /// <summary>Whether the request is past its due date at <paramref name="now"/>.</summary>
    public bool IsOverdueAt(DateTimeOffset now) => now > DueBy;
}
