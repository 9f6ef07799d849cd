using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Rules;

namespace Intercom.AiCompliance.Routing;

/// <summary>A deployment the plan excluded, with every rule it broke (never just the first).</summary>
/// <param name="Deployment">The excluded deployment.</param>
/// <param name="Violations">Every rule it broke, in rule order; never empty.</param>
public sealed record DeploymentRejection(ProviderDeployment Deployment, IReadOnlyList<RuleViolation> Violations)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Deployment.Id}: {string.Join("; ", Violations)}";
}
