namespace Intercom.AiCompliance.Rules;

/// <summary>Why a rule said no.</summary>
/// <param name="Reason">The reason code.</param>
/// <param name="Rule">The rule's name.</param>
/// <param name="Detail">A short explanation built only from catalogue and policy facts, never from request content.</param>
public sealed record RuleViolation(RejectionReason Reason, string Rule, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Reason.Code}: {Detail}";
}
