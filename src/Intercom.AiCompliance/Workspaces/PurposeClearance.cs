namespace Intercom.AiCompliance.Workspaces;

/// <summary>
/// An explicit, recorded permission for a workspace to use a purpose that is otherwise refused
/// (today only <see cref="Purpose.EvaluatingIndividualWorker"/>; never emotion recognition).
/// </summary>
public sealed record PurposeClearance
{
    /// <summary>The purpose cleared.</summary>
    public Purpose Purpose { get; init; }

    /// <summary>Where the clearance is recorded (a DPIA or legal ticket reference); required for it to count.</summary>
    public string? Reference { get; init; }

    /// <summary>When the clearance took effect; required for it to count.</summary>
    public DateTimeOffset? GrantedAt { get; init; }

    /// <summary>When the clearance lapses; <see langword="null"/> for no end date.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Whether the clearance counts at <paramref name="now"/>.</summary>
    public bool IsInForceAt(DateTimeOffset now) =>
        !string.IsNullOrWhiteSpace(Reference)
        && GrantedAt is { } granted && granted <= now
        && (ExpiresAt is not { } exp || now < exp);
}
