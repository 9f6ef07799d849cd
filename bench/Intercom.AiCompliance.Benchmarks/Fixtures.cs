using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>Catalogues, requests and an adapter that returns at once, shared by the benchmarks.</summary>
public static class Fixtures
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly AiOutput Answer = new ChatOutput(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));

    public static AiRequest Request(string workspace = "ws") => new()
    {
        WorkspaceId = workspace,
        Product = AiProduct.FinAiAgent,
        Purpose = Purpose.AnsweringEndUser,
        Payload = new ChatPayload([new ChatMessage(ChatRole.User, "How do I reset my password?")]),
        KnowledgeSources = [KnowledgeSource.Articles],
    };

    public static WorkspaceComplianceProfile Profile(Region region, string id = "ws") => new()
    {
        WorkspaceId = id,
        HostingRegion = region,
        AllowedKnowledgeSources = new Dictionary<AiProduct, IReadOnlyList<KnowledgeSource>> { [AiProduct.FinAiAgent] = [KnowledgeSource.Articles] },
    };

    /// <summary>A catalogue of <paramref name="count"/> deployments spread over providers, regions and capabilities.</summary>
    public static ProviderCatalog Catalog(int count)
    {
        var regions = new[] { Region.US, Region.EU, Region.AU };
        var providers = Enum.GetValues<ProviderKind>().Where(p => p != ProviderKind.Unknown).ToArray();
        var caps = Enum.GetValues<Capability>().Where(c => c != Capability.None).ToArray();
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return ProviderCatalog.Create(Enumerable.Range(0, count).Select(i =>
        {
            var region = regions[i % 3];
            return new ProviderDeployment
            {
                Id = $"d{i:00000}",
                Provider = providers[i % providers.Length],
                Model = "m",
                Capabilities = [Capability.Chat, caps[i % caps.Length]],
                ProcessingRegions = [region],
                Endpoint = region == Region.EU ? $"https://d{i}.eu.example.test" : $"https://d{i}.example.test",
                SubprocessorLists = region == Region.EU ? [SubprocessorLists.Global, SubprocessorLists.Eu] : [SubprocessorLists.Global],
                Attestations =
                [
                    new Attestation { Kind = AttestationKind.ZeroDataRetention, Reference = "Z", EffectiveFrom = start, ExpiresAt = start.AddYears(3).AddDays(i % 97) },
                    new Attestation { Kind = AttestationKind.NoTraining, Reference = "N", EffectiveFrom = start, ExpiresAt = start.AddYears(3) },
                ],
                Quality = new QualityPriors { ResolutionRate = (i % 10) / 10d, HallucinationRate = 0.02, LatencyMs = 500 + (i % 7) },
            };
        }));
    }

    public static ProviderRouter Router(ProviderCatalog catalog, AuditTrail trail, IProviderAdapter adapter, ProviderRouterOptions? options = null, params WorkspaceComplianceProfile[] profiles) =>
        new(new RoutingPlanner(catalog, ComplianceRuleSet.Default),
            Enum.GetValues<ProviderKind>().Where(p => p != ProviderKind.Unknown).Select(p => (IProviderAdapter)new Retag(adapter, p)),
            new InMemoryWorkspaceProfileStore(profiles.Length > 0 ? profiles : [Profile(Region.US)]), trail, options ?? new ProviderRouterOptions());

    private sealed class Retag(IProviderAdapter inner, ProviderKind kind) : IProviderAdapter
    {
        public ProviderKind Provider => kind;

        public ValueTask<AiOutput> InvokeAsync(ProviderDeployment deployment, AiPayload payload, CancellationToken cancellationToken) =>
            inner.InvokeAsync(deployment, payload, cancellationToken);
    }
}

/// <summary>An adapter that answers at once, so only the router's own cost is measured.</summary>
public sealed class ReturningAdapter : IProviderAdapter
{
    public ProviderKind Provider => ProviderKind.AzureOpenAI;

    public ValueTask<AiOutput> InvokeAsync(ProviderDeployment deployment, AiPayload payload, CancellationToken cancellationToken) =>
        new(Fixtures.Answer);
}

/// <summary>Answers at once, except that listed deployments fail with a 503.</summary>
public sealed class FailingAdapter(params string[] failing) : IProviderAdapter
{
    private static readonly ValueTask<AiOutput> Unavailable =
        ValueTask.FromException<AiOutput>(new ProviderException(ProviderFailureKind.ServerError, "503", 503));

    public ProviderKind Provider => ProviderKind.AzureOpenAI;

    public ValueTask<AiOutput> InvokeAsync(ProviderDeployment deployment, AiPayload payload, CancellationToken cancellationToken) =>
        Array.IndexOf(failing, deployment.Id) >= 0
            ? ValueTask.FromException<AiOutput>(new ProviderException(ProviderFailureKind.ServerError, "503", 503))
            : new(Fixtures.Answer);
}
