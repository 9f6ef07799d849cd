using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Rules;

/// <summary>Every deployment needs a zero-data-retention contract in force.</summary>
public sealed class ZeroDataRetentionRule() : AttestationRule(AttestationKind.ZeroDataRetention, RejectionReason.NoZeroDataRetention)
{
    /// <inheritdoc/>
    public override string Name => "zero-data-retention";
}
