using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Rules;

/// <summary>Every deployment needs a contract in force that forbids training on Input and Output.</summary>
public sealed class NoTrainingRule() : AttestationRule(AttestationKind.NoTraining, RejectionReason.NoTrainingRestriction)
{
    /// <inheritdoc/>
    public override string Name => "no-training";
}
