// Usage (the chain key comes from the environment variable AICOMPLIANCE_AUDIT_CHAIN_KEY, never the command line):
//   write <database> <run> <concurrency>   appends requests' records from <concurrency> concurrent callers until killed, each
//                                          as the router writes them: a write-ahead intent, then the outcome. Prints
//                                          "intent <eventId>" once the intent is acknowledged as stored and "ack <eventId>"
//                                          once the outcome is.
//   route <database>                       routes one chat request through the real router to a deployment whose client
//                                          never answers; prints "called <eventId>" when the Input reaches the client (the
//                                          intent is stored, the outcome cannot be yet) and waits to be killed.
//   open <database>                        opens the store as a writer; exit 0 if it could, 3 if another writer holds it.
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Sqlite;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

var key = AuditChainKey.FromBase64(Environment.GetEnvironmentVariable("AICOMPLIANCE_AUDIT_CHAIN_KEY") ?? string.Empty, "AICOMPLIANCE_AUDIT_CHAIN_KEY");
switch (args)
{
    case ["open", var path]:
        try
        {
            using var store = SqliteStore.Open(path);
            Console.WriteLine("opened");
            return 0;
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 3;
        }

    case ["write", var path, var run, var concurrencyText]:
    {
        var concurrency = int.Parse(concurrencyText, System.Globalization.CultureInfo.InvariantCulture);
        var trail = new AuditTrail(SqliteAuditSink.Open(path), new AuditTrailOptions { ChainKey = key });
        var first = await trail.AppendAsync(Record($"{run}-start", AuditOutcome.Succeeded));
        Console.WriteLine($"started {first.Sequence}");
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            for (var n = 0; ; n++)
            {
                var id = $"{run}-w{w}-{n}";
                await trail.AppendAsync(Record(id, AuditOutcome.Intent));
                Console.WriteLine($"intent {id}");
                await trail.AppendAsync(Record(id, AuditOutcome.Succeeded));
                Console.WriteLine($"ack {id}");
            }
        }));
        await Task.WhenAll(workers);
        return 0;
    }

    case ["route", var path]:
    {
        var trail = new AuditTrail(SqliteAuditSink.Open(path), new AuditTrailOptions { ChainKey = key });
        var deployment = new ProviderDeployment
        {
            Id = "eu-chat",
            Provider = ProviderKind.AzureOpenAI,
            DeploymentType = DeploymentType.Standard,
            Subprocessor = "Microsoft",
            Model = "model-eu-chat",
            Capabilities = [Capability.Chat],
            ProcessingRegions = [Region.EU],
            Endpoint = "https://eu-chat.eu.example.test",
            SubprocessorLists = [SubprocessorLists.Global, SubprocessorLists.Eu],
            Attestations =
            [
                new Attestation { Kind = AttestationKind.ZeroDataRetention, Reference = "FICTIONAL-CRASH-ZDR", EffectiveFrom = DateTimeOffset.UtcNow.AddYears(-1), ExpiresAt = DateTimeOffset.UtcNow.AddYears(1) },
                new Attestation { Kind = AttestationKind.NoTraining, Reference = "FICTIONAL-CRASH-NT", EffectiveFrom = DateTimeOffset.UtcNow.AddYears(-1), ExpiresAt = DateTimeOffset.UtcNow.AddYears(1) },
            ],
            Quality = new QualityPriors { ResolutionRate = 0.6, HallucinationRate = 0.02, LatencyMs = 800 },
        };
        var profiles = new InMemoryWorkspaceProfileStore([new WorkspaceComplianceProfile
        {
            WorkspaceId = "ws-eu",
            HostingRegion = Region.EU,
            HandlesHealthData = false,
            ContractType = ContractType.Standard,
            AllowedKnowledgeSources = new Dictionary<AiProduct, IReadOnlyList<KnowledgeSource>> { [AiProduct.FinAiAgent] = [KnowledgeSource.Articles] },
        }]);
        var router = new ProviderRouter(
            new RoutingPlanner(ProviderCatalog.Create([deployment]), ComplianceRuleSet.Default),
            new DeploymentClientRegistry().Add<IChatClient>("eu-chat", new NeverAnsweringChatClient()),
            profiles, trail,
            new ProviderRouterOptions { TotalDeadline = TimeSpan.FromMinutes(10), AttemptTimeout = TimeSpan.FromMinutes(4), Retry = { MaxRetryAttempts = 0 } });
        await router.SendAsync(new AiRequest
        {
            WorkspaceId = "ws-eu",
            Product = AiProduct.FinAiAgent,
            Purpose = Purpose.AnsweringEndUser,
            KnowledgeSources = [KnowledgeSource.Articles],
            Payload = new ChatPayload([new ChatMessage(ChatRole.User, "hello")]),
        });
        return 0;
    }

    default:
        Console.Error.WriteLine("usage: write <database> <run> <concurrency> | route <database> | open <database>");
        return 2;
}

static AuditRecord Record(string id, AuditOutcome outcome) => new()
{
    EventId = id,
    Timestamp = DateTimeOffset.UtcNow,
    WorkspaceId = "ws-1",
    Product = "FinAiAgent",
    Purpose = "AnsweringEndUser",
    Capability = "Chat",
    Required = new AuditPromises { Region = "EU" },
    Outcome = outcome,
    Destinations = outcome == AuditOutcome.Intent ? [new AuditDestination { DeploymentId = "eu-chat", Provider = "AzureOpenAI", Regions = "EU" }] : null,
};

/// <summary>A chat client that takes the Input and never answers: the process is killed while the call runs.</summary>
internal sealed class NeverAnsweringChatClient : IChatClient
{
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Console.WriteLine("called");
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
