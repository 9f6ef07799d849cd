using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>Random but reproducible catalogues, profiles and requests for property tests.</summary>
public static class RandomCatalogs
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Region[] Regions = [Region.US, Region.EU, Region.AU];
    private static readonly Capability[] Capabilities = [Capability.Chat, Capability.SpeechSynthesis, Capability.Transcription, Capability.Embeddings, Capability.Reranking];
    private static readonly ProviderKind[] Providers = Enum.GetValues<ProviderKind>().Where(p => p != ProviderKind.Unknown).ToArray();

    public static List<ProviderDeployment> Deployments(Random rng, int? count = null)
    {
        var n = count ?? rng.Next(0, 25);
        var list = new List<ProviderDeployment>(n);
        for (var i = 0; i < n; i++)
        {
            list.Add(Deployment(rng, $"d{i:00}"));
        }

        return list;
    }

    public static ProviderDeployment Deployment(Random rng, string id)
    {
        var regions = Regions.Where(_ => rng.Next(3) == 0).ToList();
        if (regions.Count == 0)
        {
            regions.Add(Regions[rng.Next(Regions.Length)]);
        }

        var lists = new List<string>();
        if (rng.Next(5) != 0)
        {
            lists.Add(SubprocessorLists.Global);
        }

        if (rng.Next(3) == 0)
        {
            lists.Add(SubprocessorLists.Eu);
        }

        var attestations = new List<Attestation>();
        foreach (var kind in new[] { AttestationKind.ZeroDataRetention, AttestationKind.NoTraining, AttestationKind.BusinessAssociateAgreement })
        {
            var shape = rng.Next(6);
            if (shape == 0)
            {
                continue; // missing
            }

            var from = Now.AddDays(shape == 1 ? rng.Next(1, 60) : -rng.Next(1, 400));
            DateTimeOffset? until = shape switch
            {
                2 => Now.AddSeconds(-rng.Next(1, 86_400)), // expired
                3 => null,
                _ => Now.AddDays(rng.Next(1, 400)),
            };
            if (until <= from)
            {
                until = from.AddDays(1);
            }

            attestations.Add(new Attestation { Kind = kind, Reference = $"R-{id}-{kind}", EffectiveFrom = from, ExpiresAt = until });
        }

        var provider = Providers[rng.Next(Providers.Length)];
        var endpoint = provider == ProviderKind.AwsBedrock ? BedrockEndpoint(regions, lists) : $"https://{id}.eu.example.test";
        return new ProviderDeployment
        {
            Id = id,
            Provider = provider,
            DeploymentType = provider == ProviderKind.AzureOpenAI ? DeploymentType.Standard : DeploymentType.Unknown,
            Subprocessor = "S",
            Model = "m",
            Capabilities = Capabilities.Where(_ => rng.Next(2) == 0).DefaultIfEmpty(Capability.Chat).ToArray(),
            ProcessingRegions = regions,
            Endpoint = endpoint,
            SubprocessorLists = lists,
            Attestations = attestations,
            Quality = new QualityPriors { ResolutionRate = rng.Next(0, 4) / 4d, HallucinationRate = rng.Next(0, 3) / 10d, LatencyMs = rng.Next(1, 4) * 300 },
        };
    }

    /// <summary>
    /// A Bedrock deployment must be on a bedrock-runtime host whose AWS region is in a declared jurisdiction (and an
    /// EU-listed one in the EU), as the catalogue validator requires.
    /// </summary>
    private static string BedrockEndpoint(List<Region> regions, List<string> lists)
    {
        if (lists.Contains(SubprocessorLists.Eu) && !regions.Contains(Region.EU))
        {
            regions.Add(Region.EU);
        }

        var awsRegion = regions.Contains(Region.EU) ? "eu-central-1" : regions.Contains(Region.US) ? "us-east-1" : "ap-southeast-2";
        return $"https://bedrock-runtime.{awsRegion}.amazonaws.com";
    }

    public static WorkspaceComplianceProfile Profile(Random rng, string id = "ws") =>
        Requests.Profile(id, Regions[rng.Next(Regions.Length)], hipaa: rng.Next(2) == 0, usPinned: rng.Next(3) == 0);

    public static AiRequest Request(Random rng, string workspaceId = "ws") =>
        Requests.Make(workspaceId, Capabilities[rng.Next(Capabilities.Length)],
            purpose: rng.Next(2) == 0 ? Purpose.AnsweringEndUser : Purpose.Summarising);

    public static DateTimeOffset Instant(Random rng) => Now.AddSeconds(rng.Next(-86_400 * 30, 86_400 * 30));

    /// <summary>The promises of DOMAIN.md, written independently of the rules, as the test oracle.</summary>
    public static bool SatisfiesDomain(ProviderDeployment d, WorkspaceComplianceProfile p, Capability capability, DateTimeOffset now)
    {
        bool InForce(AttestationKind k) => d.Attestations.Any(a => a.Kind == k && a.EffectiveFrom <= now && (a.ExpiresAt is null || now < a.ExpiresAt) && !string.IsNullOrWhiteSpace(a.Reference));
        if (!d.Capabilities.Contains(capability) || d.ProcessingRegions.Count == 0)
        {
            return false;
        }

        // "A deployment on no list is never used": the global list is required whatever the hosting.
        var residency = d.SubprocessorLists.Contains(SubprocessorLists.Global) && (p.HostingRegion == Region.US
            ? !p.PinnedToUsProcessing || d.ProcessingRegions.All(r => r == Region.US)
            : d.ProcessingRegions.All(r => r == p.HostingRegion) && (p.HostingRegion != Region.EU || d.SubprocessorLists.Contains(SubprocessorLists.Eu)));
        return residency
            && InForce(AttestationKind.ZeroDataRetention)
            && InForce(AttestationKind.NoTraining)
            && (!p.HandlesHealthData || InForce(AttestationKind.BusinessAssociateAgreement));
    }
}
