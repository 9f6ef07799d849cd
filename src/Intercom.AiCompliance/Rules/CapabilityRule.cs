using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>A deployment must serve the capability the request needs.</summary>
public sealed class CapabilityRule : IComplianceRule
{
    /// <inheritdoc/>
    public string Name => "capability";

    /// <inheritdoc/>
    public RuleViolation? Evaluate(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return policy.Capability != Capability.None && deployment.Supports(policy.Capability)
            ? null
            : new(RejectionReason.CapabilityNotSupported, Name, $"does not serve {policy.Capability}");
    }
}
