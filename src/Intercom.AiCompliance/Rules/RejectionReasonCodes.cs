namespace Intercom.AiCompliance.Rules;

/// <summary>
/// Every reason code the package itself emits, as compile-time constants (for <c>switch</c> statements, attribute
/// arguments and HTTP problem types). Each equals the <see cref="RejectionReason.Code"/> of the matching static
/// property on <see cref="RejectionReason"/>, <see cref="Routing.AllCandidatesFailedException"/> or
/// <see cref="Routing.StreamInterruptedException"/>. Hosts' own codes are not listed here.
/// </summary>
public static class RejectionReasonCodes
{
    /// <summary><see cref="RejectionReason.CapabilityNotSupported"/>.</summary>
    public const string CapabilityNotSupported = "capability-not-supported";

    /// <summary><see cref="RejectionReason.ProcessingRegionUnknown"/>.</summary>
    public const string ProcessingRegionUnknown = "processing-region-unknown";

    /// <summary><see cref="RejectionReason.ProcessingOutsideHostingRegion"/>.</summary>
    public const string ProcessingOutsideHostingRegion = "processing-outside-hosting-region";

    /// <summary><see cref="RejectionReason.NotOnRegionalSubprocessorList"/>.</summary>
    public const string NotOnRegionalSubprocessorList = "not-on-regional-subprocessor-list";

    /// <summary><see cref="RejectionReason.NotOnGlobalSubprocessorList"/>.</summary>
    public const string NotOnGlobalSubprocessorList = "not-on-global-subprocessor-list";

    /// <summary><see cref="RejectionReason.NoZeroDataRetention"/>.</summary>
    public const string NoZeroDataRetention = "no-zero-data-retention";

    /// <summary><see cref="RejectionReason.NoTrainingRestriction"/>.</summary>
    public const string NoTrainingRestriction = "no-training-restriction";

    /// <summary><see cref="RejectionReason.NoBusinessAssociateAgreement"/>.</summary>
    public const string NoBusinessAssociateAgreement = "no-business-associate-agreement";

    /// <summary><see cref="RejectionReason.WorkspaceUnknown"/>.</summary>
    public const string WorkspaceUnknown = "workspace-unknown";

    /// <summary><see cref="RejectionReason.PurposeUndeclared"/>.</summary>
    public const string PurposeUndeclared = "purpose-undeclared";

    /// <summary><see cref="RejectionReason.PurposeProhibited"/>.</summary>
    public const string PurposeProhibited = "purpose-prohibited";

    /// <summary><see cref="RejectionReason.PurposeNotCleared"/>.</summary>
    public const string PurposeNotCleared = "purpose-not-cleared";

    /// <summary><see cref="RejectionReason.KnowledgeSourceNotAllowed"/>.</summary>
    public const string KnowledgeSourceNotAllowed = "knowledge-source-not-allowed";

    /// <summary><see cref="RejectionReason.InputTooLarge"/>.</summary>
    public const string InputTooLarge = "input-too-large";

    /// <summary><see cref="RejectionReason.DeploymentQuarantined"/>.</summary>
    public const string DeploymentQuarantined = "deployment-quarantined";

    /// <summary>The code of <see cref="Routing.NoCompliantRouteException"/>: every deployment was excluded.</summary>
    public const string NoCompliantRoute = "no-compliant-route";

    /// <summary>The code of <see cref="Routing.ProviderRefusalException"/>: a provider refused the content.</summary>
    public const string ProviderRefusal = "provider-refusal";

    /// <summary><see cref="Routing.AllCandidatesFailedException.DeadlineExceeded"/>.</summary>
    public const string DeadlineExceeded = "deadline-exceeded";

    /// <summary><see cref="Routing.AllCandidatesFailedException.CandidatesExhausted"/>.</summary>
    public const string CandidatesExhausted = "candidates-exhausted";

    /// <summary><see cref="Routing.AllCandidatesFailedException.PermanentError"/>.</summary>
    public const string PermanentProviderError = "permanent-provider-error";

    /// <summary><see cref="Routing.StreamInterruptedException.IdleTimeout"/>.</summary>
    public const string StreamIdleTimeout = "stream-idle-timeout";

    /// <summary><see cref="Routing.StreamInterruptedException.DeadlineExceeded"/>.</summary>
    public const string StreamDeadlineExceeded = "stream-deadline-exceeded";

    /// <summary><see cref="Routing.StreamInterruptedException.ProviderFailed"/>.</summary>
    public const string StreamProviderFailed = "stream-provider-failed";

    /// <summary><see cref="RejectionReason.RedactionFailed"/>.</summary>
    public const string RedactionFailed = "redaction-failed";
}
