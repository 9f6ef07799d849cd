using Intercom.AiCompliance.Providers.Simulated;
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
        // Bedrock is left out: its catalogue check ties the model id and endpoint to real AWS regions, which these
        // synthetic deployments do not name.
        var providers = Enum.GetValues<ProviderKind>().Where(p => p is not ProviderKind.Unknown and not ProviderKind.AwsBedrock).ToArray();
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
                DeploymentType = providers[i % providers.Length] == ProviderKind.AzureOpenAI ? DeploymentType.Standard : DeploymentType.Unknown,
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

    public static ProviderRouter Router(ProviderCatalog catalog, AuditTrail trail, IChatClient client, ProviderRouterOptions? options = null, params WorkspaceComplianceProfile[] profiles) =>
        Router(catalog, trail, _ => client, options, profiles);

    public static ProviderRouter Router(ProviderCatalog catalog, AuditTrail trail, Func<ProviderDeployment, IChatClient> client, ProviderRouterOptions? options = null, params WorkspaceComplianceProfile[] profiles)
    {
        // Chat (the only capability measured) by the given client; the catalogue's other capabilities by simulated
        // clients, so every deployment has the client it declares.
        var clients = new DeploymentClientRegistry().AllowSimulatedClientsForDemosAndTests();
        foreach (var kind in Enum.GetValues<ProviderKind>().Where(p => p != ProviderKind.Unknown))
        {
            clients.Add<IChatClient>(kind, (_, d) => client(d));
            clients.Add<IEmbeddingGenerator<string, Embedding<float>>>(kind, (_, d) => new SimulatedProviderClient(d));
            clients.Add<ISpeechToTextClient>(kind, (_, d) => new SimulatedProviderClient(d));
            clients.Add<ITextToSpeechClient>(kind, (_, d) => new SimulatedProviderClient(d));
            clients.Add<IRerankingClient>(kind, (_, d) => new SimulatedProviderClient(d));
        }

        return new(new RoutingPlanner(catalog, ComplianceRuleSet.Default), clients,
            new InMemoryWorkspaceProfileStore(profiles.Length > 0 ? profiles : [Profile(Region.US)]), trail, options ?? new ProviderRouterOptions());
    }
}

/// <summary>A chat client that answers at once, so only the router's own cost is measured.</summary>
public class ReturningChatClient : IChatClient
{
    private static readonly Task<ChatResponse> Answer = Task.FromResult(((ChatOutput)Fixtures.Answer).Response);

    public virtual Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => Answer;

    public virtual async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < Updates; i++)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "word ");
        }

        await Task.CompletedTask;
    }

    /// <summary>How many updates a stream yields.</summary>
    public int Updates { get; set; } = 20;

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
        GC.SuppressFinalize(this);
    }
}

/// <summary>Fails every call with a 503.</summary>
public sealed class UnavailableChatClient : ReturningChatClient
{
    private static readonly Task<ChatResponse> Unavailable =
        Task.FromException<ChatResponse>(new ProviderException(ProviderFailureKind.ServerError, "503", 503));

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => Unavailable;
}
