using System.Globalization;
using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>
/// Clearly fictional contract references for the default catalogue (which ships with none): zero retention and no
/// training for every deployment, a BAA for every deployment except ElevenLabs, in force 2025-01-01 to 2027-12-31.
/// Tests that need a routable default catalogue supply these, the way a host supplies its real references.
/// </summary>
public static class FictionalContracts
{
    public static readonly DateTimeOffset From = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Until = new(2027, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<Attestation> For(ProviderDeployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var kinds = deployment.Provider == ProviderKind.ElevenLabs
            ? new[] { AttestationKind.ZeroDataRetention, AttestationKind.NoTraining }
            : [AttestationKind.ZeroDataRetention, AttestationKind.NoTraining, AttestationKind.BusinessAssociateAgreement];
        return kinds.Select(k => new Attestation { Kind = k, Reference = $"FICTIONAL-TEST-{deployment.Id}-{k}", EffectiveFrom = From, ExpiresAt = Until }).ToArray();
    }

    /// <summary>The default deployments with the fictional contracts attached.</summary>
    public static IReadOnlyList<ProviderDeployment> DefaultDeployments() =>
        DefaultCatalog.Deployments().Select(d => d with { Attestations = [.. d.Attestations, .. For(d)] }).ToArray();

    /// <summary>The default catalogue with the fictional contracts, validated.</summary>
    public static ProviderCatalog DefaultCatalogue() => ProviderCatalog.Create(DefaultDeployments());

    /// <summary>The same contracts as configuration keys (<c>AiCompliance:Catalog:Attestations:{id}:{n}:...</c>).</summary>
    public static IEnumerable<(string Key, string? Value)> ConfigurationPairs()
    {
        foreach (var d in DefaultCatalog.Deployments())
        {
            var contracts = For(d);
            for (var i = 0; i < contracts.Count; i++)
            {
                var key = $"AiCompliance:Catalog:Attestations:{d.Id}:{i}";
                yield return ($"{key}:Kind", contracts[i].Kind.ToString());
                yield return ($"{key}:Reference", contracts[i].Reference);
                yield return ($"{key}:EffectiveFrom", contracts[i].EffectiveFrom!.Value.ToString("O", CultureInfo.InvariantCulture));
                yield return ($"{key}:ExpiresAt", contracts[i].ExpiresAt!.Value.ToString("O", CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>The same contracts as the JSON value of <c>AiCompliance:Catalog:Attestations</c>.</summary>
    public static string Json() =>
        "{" + string.Join(",", DefaultCatalog.Deployments().Select(d =>
            $"\"{d.Id}\":[" + string.Join(",", For(d).Select(a =>
                $"{{\"Kind\":\"{a.Kind}\",\"Reference\":\"{a.Reference}\",\"EffectiveFrom\":\"{a.EffectiveFrom:O}\",\"ExpiresAt\":\"{a.ExpiresAt:O}\"}}")) + "]")) + "}";
}
