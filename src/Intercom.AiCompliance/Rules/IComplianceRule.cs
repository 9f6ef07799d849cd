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

    /// <summary>
    /// The rule's name and every parameter that can change its answers (limits, lists, cut-off dates), as it goes into
    /// the policy fingerprint: two rules with different parameters must give different values. Defaults to
    /// <see cref="Name"/>, which is right only for a rule without parameters. Read once, when the planner is built:
    /// a rule's parameters do not change for the life of its planner.
    /// </summary>
    string Fingerprint => Name;

    /// <summary>Returns <see langword="null"/> when the deployment keeps the promise at <paramref name="now"/>, otherwise why not.</summary>
    RuleViolation? Evaluate(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now);

    /// <summary>
    /// The first instant after <paramref name="now"/> at which this rule's answer for <paramref name="deployment"/> and
    /// <paramref name="policy"/> may differ for a reason the catalogue's contract dates do not show (a cut-off date of the
    /// host's own, for example); <see langword="null"/> when only the catalogue's contracts change it. Cached plans
    /// expire then. Defaults to <see langword="null"/>.
    /// </summary>
    DateTimeOffset? NextChangeAfter(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now) => null;
}
