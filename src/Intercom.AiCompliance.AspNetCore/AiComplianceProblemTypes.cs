using Intercom.AiCompliance.Rules;

namespace Intercom.AiCompliance.AspNetCore;

/// <summary>
/// The problem <c>type</c> URIs: <c>https://intercom.ai-compliance/problems/{reason-code}</c>, one per reason code.
/// The scheme is stable: a URI never changes meaning, and a new code gets a new URI. The URIs identify; they are not
/// promised to resolve.
/// </summary>
public static class AiComplianceProblemTypes
{
    /// <summary>The prefix every type URI starts with.</summary>
    public const string BaseUri = "https://intercom.ai-compliance/problems/";

    /// <summary>The code used when the audit trail could not store the request's record (<see cref="Audit.AuditWriteException"/>).</summary>
    public const string AuditWriteFailedCode = "audit-write-failed";

    /// <summary>The type URI of <paramref name="reasonCode"/>.</summary>
    /// <param name="reasonCode">A reason code such as <see cref="RejectionReasonCodes.WorkspaceUnknown"/>.</param>
    public static Uri For(string reasonCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reasonCode);
        return new Uri(BaseUri + new RejectionReason(reasonCode).Code, UriKind.Absolute);
    }
}
