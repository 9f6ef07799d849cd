namespace Intercom.AiCompliance.Rules;

/// <summary>
/// A stable, machine-readable reason code: one per promise. Hosts can define their own codes for their own rules.
/// </summary>
/// <remarks>Codes appear in plans, exceptions, audit records and metric tags, so keep them few and never put data in them.</remarks>
public readonly record struct RejectionReason
{
    /// <summary>Creates a reason code such as <c>acme.vendor-blocked</c>.</summary>
    /// <exception cref="ArgumentException">The code is empty or has characters other than letters, digits, '.', '-' and '_'.</exception>
    public RejectionReason(string code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        foreach (var c in code)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_'))
            {
                throw new ArgumentException($"Reason code '{code}' has '{c}': use letters, digits, '.', '-' and '_' only.", nameof(code));
            }
        }

        Code = code;
    }

    /// <summary>The code.</summary>
    public string Code { get; }

    /// <summary>The deployment cannot serve the capability the request needs.</summary>
    public static RejectionReason CapabilityNotSupported { get; } = new("capability-not-supported");

    /// <summary>The deployment's processing regions are not recorded: unknown means no.</summary>
    public static RejectionReason ProcessingRegionUnknown { get; } = new("processing-region-unknown");

    /// <summary>The deployment may process outside the workspace's hosting region (or outside the US for a US-pinned workspace).</summary>
    public static RejectionReason ProcessingOutsideHostingRegion { get; } = new("processing-outside-hosting-region");

    /// <summary>The deployment is not on the regional subprocessor list the workspace's hosting requires (the EU list for EU hosting).</summary>
    public static RejectionReason NotOnRegionalSubprocessorList { get; } = new("not-on-regional-subprocessor-list");

    /// <summary>The deployment is not on the global subprocessor list.</summary>
    public static RejectionReason NotOnGlobalSubprocessorList { get; } = new("not-on-global-subprocessor-list");

    /// <summary>No zero-data-retention contract in force.</summary>
    public static RejectionReason NoZeroDataRetention { get; } = new("no-zero-data-retention");

    /// <summary>No no-training contract in force.</summary>
    public static RejectionReason NoTrainingRestriction { get; } = new("no-training-restriction");

    /// <summary>The workspace handles health data and the deployment has no BAA in force.</summary>
    public static RejectionReason NoBusinessAssociateAgreement { get; } = new("no-business-associate-agreement");

    /// <summary>The workspace is not known to the profile store.</summary>
    public static RejectionReason WorkspaceUnknown { get; } = new("workspace-unknown");

    /// <summary>The request did not declare a purpose or product.</summary>
    public static RejectionReason PurposeUndeclared { get; } = new("purpose-undeclared");

    /// <summary>The purpose is prohibited outright (emotion recognition at work).</summary>
    public static RejectionReason PurposeProhibited { get; } = new("purpose-prohibited");

    /// <summary>The purpose is high-risk and the workspace holds no clearance for it (evaluating an individual worker).</summary>
    public static RejectionReason PurposeNotCleared { get; } = new("purpose-not-cleared");

    /// <summary>The Input includes a knowledge source the workspace does not allow for the product.</summary>
    public static RejectionReason KnowledgeSourceNotAllowed { get; } = new("knowledge-source-not-allowed");

    /// <summary>The Input is larger than the configured limit.</summary>
    public static RejectionReason InputTooLarge { get; } = new("input-too-large");

    /// <summary>The deployment is quarantined after a served-region incident (or by an operator) until an operator clears it.</summary>
    public static RejectionReason DeploymentQuarantined { get; } = new("deployment-quarantined");

    /// <summary>
    /// Egress redaction was required and the personal-data detector failed or did not finish in time (or the Input holds
    /// a part it cannot redact, such as audio): nothing was sent.
    /// </summary>
    public static RejectionReason RedactionFailed { get; } = new("redaction-failed");

    /// <inheritdoc/>
    public override string ToString() => Code ?? string.Empty;
}
