using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>A workspace that handles health data needs a HIPAA Business Associate Agreement in force.</summary>
public sealed class BaaRule() : AttestationRule(AttestationKind.BusinessAssociateAgreement, RejectionReason.NoBusinessAssociateAgreement)
{
    /// <inheritdoc/>
    public override string Name => "baa";

    /// <inheritdoc/>
    protected override bool AppliesTo(PolicyClass policy) => policy.RequiresBaa;
}
