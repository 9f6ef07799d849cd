using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>Builds deployments for tests; every promise is kept unless the test says otherwise.</summary>
public static class Deployments
{
    public static readonly DateTimeOffset ContractStart = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ContractEnd = new(2028, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Attestation Contract(AttestationKind kind, DateTimeOffset? from = null, DateTimeOffset? until = null) =>
        new() { Kind = kind, Reference = $"TEST-{kind}", EffectiveFrom = from ?? ContractStart, ExpiresAt = until ?? ContractEnd };

    public static ProviderDeployment Make(
        string id,
        ProviderKind provider = ProviderKind.AzureOpenAI,
        Region? region = null,
        Capability[]? capabilities = null,
        string[]? lists = null,
        bool zdr = true,
        bool noTraining = true,
        bool baa = true,
        double resolution = 0.6)
    {
        var r = region ?? Region.US;
        var attestations = new List<Attestation>();
        if (zdr)
        {
            attestations.Add(Contract(AttestationKind.ZeroDataRetention));
        }

        if (noTraining)
        {
            attestations.Add(Contract(AttestationKind.NoTraining));
        }

        if (baa)
        {
            attestations.Add(Contract(AttestationKind.BusinessAssociateAgreement));
        }

        return new ProviderDeployment
        {
            Id = id,
            Provider = provider,
            DeploymentType = provider == ProviderKind.AzureOpenAI ? DeploymentType.Standard : DeploymentType.Unknown,
            Subprocessor = provider.ToString(),
            Model = "model-" + id,
            Capabilities = capabilities ?? [Capability.Chat],
            ProcessingRegions = [r],
            Endpoint = r == Region.EU ? $"https://{id}.eu.example.test" : $"https://{id}.example.test",
            SubprocessorLists = lists ?? (r == Region.EU ? [SubprocessorLists.Global, SubprocessorLists.Eu] : [SubprocessorLists.Global]),
            Attestations = attestations,
            Quality = new QualityPriors { ResolutionRate = resolution, HallucinationRate = 0.02, LatencyMs = 800 },
        };
    }
}
