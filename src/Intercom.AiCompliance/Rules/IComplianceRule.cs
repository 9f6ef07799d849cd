using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>
/// One promise, checked for one deployment. Rules are small and pure: the answer may depend only on the
/// deployment, the <see cref="PolicyClass"/> and the instant, which is what makes plans cacheable and explainable.
/// </summary>
public interface IComplianceRule
{
    /// <summary>A short, stable name shown in plans and part of the policy fingerprint.</summary>
    string Name { get; }

    /// <summary>Returns <see langword="null"/> when the deployment keeps the promise at <paramref name="now"/>, otherwise why not.</summary>
    RuleViolation? Evaluate(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now);
}
