using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>
/// The EU AI Act's purpose limits: emotion recognition at work is always refused; evaluating an individual worker
/// is refused unless the workspace holds a recorded clearance in force; an undeclared purpose or product is refused.
/// </summary>
public sealed class PurposeRule : IRequestRule
{
    /// <inheritdoc/>
    public string Name => "purpose";

    /// <inheritdoc/>
    public RuleViolation? Evaluate(AiRequest request, WorkspaceComplianceProfile profile, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(profile);
        switch (request.Purpose)
        {
            case Purpose.Undeclared:
                return new(RejectionReason.PurposeUndeclared, Name, "the request declares no purpose");
            case Purpose.RecognisingEmotionAtWork:
                return new(RejectionReason.PurposeProhibited, Name,
                    "emotion recognition at work is prohibited (EU AI Act, Art. 5(1)(f)); no clearance can allow it");
            case Purpose.EvaluatingIndividualWorker:
                foreach (var c in profile.PurposeClearances)
                {
                    if (c.Purpose == Purpose.EvaluatingIndividualWorker && c.IsInForceAt(now))
                    {
                        return null;
                    }
                }

                return new(RejectionReason.PurposeNotCleared, Name,
                    "evaluating an individual worker is high-risk (EU AI Act, Annex III employment) and the workspace holds no clearance in force");
            default:
                if (!Enum.IsDefined(request.Purpose))
                {
                    return new(RejectionReason.PurposeUndeclared, Name, "the declared purpose is not one the library knows");
                }

                return request.Product == AiProduct.Unknown || !Enum.IsDefined(request.Product)
                    ? new(RejectionReason.PurposeUndeclared, Name, "the request names no known product")
                    : null;
        }
    }
}
