namespace Intercom.AiCompliance.Catalog;

/// <summary>The contractual promise an <see cref="Attestation"/> records.</summary>
public enum AttestationKind
{
    /// <summary>Not a promise: an attestation of this kind fails validation.</summary>
    Unknown = 0,

    /// <summary>Zero data retention: Input is used only to produce Output, then both are deleted.</summary>
    ZeroDataRetention = 1,

    /// <summary>The provider may not train or improve its models on Input or Output.</summary>
    NoTraining = 2,

    /// <summary>A signed HIPAA Business Associate Agreement.</summary>
    BusinessAssociateAgreement = 3,
}
