using System.Globalization;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>The shared shape of the contract rules: a promise holds only while a contract for it is in force.</summary>
public abstract class AttestationRule : IComplianceRule
{
    private protected AttestationRule(AttestationKind kind, RejectionReason reason)
    {
        Kind = kind;
        Reason = reason;
    }

    /// <summary>The contract kind this rule needs.</summary>
    public AttestationKind Kind { get; }

    /// <summary>The reason code when it is missing.</summary>
    public RejectionReason Reason { get; }

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <summary>Whether the rule applies to this policy class at all.</summary>
    protected virtual bool AppliesTo(PolicyClass policy) => true;

    /// <inheritdoc/>
    public RuleViolation? Evaluate(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        if (!AppliesTo(policy) || deployment.AttestationInForce(Kind, now) is not null)
        {
            return null;
        }

        return new(Reason, Name, Describe(deployment, now));
    }

    private string Describe(ProviderDeployment deployment, DateTimeOffset now)
    {
        Attestation? latest = null;
        foreach (var a in deployment.Attestations)
        {
            if (a.Kind == Kind && (latest is null || a.EffectiveFrom > latest.EffectiveFrom))
            {
                latest = a;
            }
        }

        return latest switch
        {
            null => $"no {Kind} contract recorded",
            { ExpiresAt: { } exp } when exp <= now => $"{Kind} contract {latest.Reference} expired {exp.ToString("O", CultureInfo.InvariantCulture)}",
            { EffectiveFrom: { } from } when from > now => $"{Kind} contract {latest.Reference} not in force until {from.ToString("O", CultureInfo.InvariantCulture)}",
            _ => $"{Kind} contract {latest.Reference} is incomplete",
        };
    }
}
