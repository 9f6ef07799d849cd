namespace Intercom.AiCompliance.Rules;

/// <summary>The rules the planner runs: deployment rules for each candidate, request rules once per request.</summary>
public sealed class ComplianceRuleSet
{
    /// <summary>Creates a rule set. Every rule runs; none short-circuits another, so every reason is kept.</summary>
    public ComplianceRuleSet(IEnumerable<IComplianceRule> deploymentRules, IEnumerable<IRequestRule> requestRules)
    {
        ArgumentNullException.ThrowIfNull(deploymentRules);
        ArgumentNullException.ThrowIfNull(requestRules);
        DeploymentRules = deploymentRules.ToArray();
        RequestRules = requestRules.ToArray();
        if (DeploymentRules.Any(r => r is null) || RequestRules.Any(r => r is null))
        {
            throw new ArgumentException("A rule set cannot hold a null rule.", nameof(deploymentRules));
        }
    }

    /// <summary>The rules every deployment must pass, in the order they are reported.</summary>
    public IReadOnlyList<IComplianceRule> DeploymentRules { get; }

    /// <summary>The rules every request must pass before any deployment is considered.</summary>
    public IReadOnlyList<IRequestRule> RequestRules { get; }

    /// <summary>The built-in deployment rules: capability, residency, zero data retention, no training, BAA.</summary>
    public static IReadOnlyList<IComplianceRule> DefaultDeploymentRules() =>
        [new CapabilityRule(), new ResidencyRule(), new ZeroDataRetentionRule(), new NoTrainingRule(), new BaaRule()];

    /// <summary>The built-in request rules: purpose, knowledge sources, and input size with the given limits.</summary>
    public static IReadOnlyList<IRequestRule> DefaultRequestRules(long maxTextCharacters = 400_000, long maxAudioBytes = 50 * 1024 * 1024, long maxInputBytes = InputSizeRule.DefaultMaxInputBytes) =>
        [new PurposeRule(), new KnowledgeSourceRule(), new InputSizeRule(maxTextCharacters, maxAudioBytes, maxInputBytes)];

    /// <summary>The built-in rules with default limits.</summary>
    public static ComplianceRuleSet Default { get; } = new(DefaultDeploymentRules(), DefaultRequestRules());
}
