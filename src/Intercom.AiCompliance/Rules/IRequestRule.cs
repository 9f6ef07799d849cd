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

    /// <summary>Returns <see langword="null"/> when the request may proceed, otherwise why not.</summary>
    RuleViolation? Evaluate(AiRequest request, WorkspaceComplianceProfile profile, DateTimeOffset now);
}
