using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>
/// A check on the request itself (purpose, knowledge sources, size) that refuses it before any deployment is considered.
/// </summary>
public interface IRequestRule
{
    /// <summary>A short, stable name shown in plans.</summary>
    string Name { get; }

    /// <summary>
    /// The rule's name and every parameter that can change its answers (size limits, lists), as it goes into the policy
    /// fingerprint. Defaults to <see cref="Name"/>, which is right only for a rule without parameters. Read once,
    /// when the planner is built: a rule's parameters do not change for the life of its planner.
    /// </summary>
    string Fingerprint => Name;

    /// <summary>Returns <see langword="null"/> when the request may proceed, otherwise why not.</summary>
    RuleViolation? Evaluate(AiRequest request, WorkspaceComplianceProfile profile, DateTimeOffset now);
}
