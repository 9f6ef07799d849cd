using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>Every knowledge source tagged on the Input must be allowed for the product by the workspace.</summary>
public sealed class KnowledgeSourceRule : IRequestRule
{
    /// <inheritdoc/>
    public string Name => "knowledge-source";

    /// <inheritdoc/>
    public RuleViolation? Evaluate(AiRequest request, WorkspaceComplianceProfile profile, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(profile);
        var sources = request.KnowledgeSources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (!profile.Allows(request.Product, sources[i]))
            {
                return new(RejectionReason.KnowledgeSourceNotAllowed, Name,
                    $"{sources[i]} is not allowed for {request.Product} in this workspace");
            }
        }

        return null;
    }
}
