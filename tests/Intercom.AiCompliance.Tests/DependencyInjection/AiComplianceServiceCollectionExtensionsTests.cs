using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Tests.DependencyInjection;

public class AiComplianceServiceCollectionExtensionsTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    private static (string, string?)[] OneWorkspace(string region = "EU") =>
    [
        ("AiCompliance:Catalog:UseDefault", "true"),
        .. FictionalContracts.ConfigurationPairs(),
        ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
        ("AiCompliance:Workspaces:0:HostingRegion", region),
        ("AiCompliance:Workspaces:0:ContractType", "Standard"),
        ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
        ("AiCompliance:Workspaces:0:AllowedKnowledgeSources:FinAiAgent:0", "Articles"),
    ];

    private static readonly TimeSpan DisposeGuard = TimeSpan.FromSeconds(30);

    private static IConfiguration StuckSinkConfig(params (string, string?)[] audit) => Config(
    [
        .. OneWorkspace(),
        ("AiCompliance:Audit:ChainKey", Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray())),
        ("AiCompliance:Audit:WriteTimeout", "00:00:00.200"),
        ("AiCompliance:Audit:ShutdownTimeout", "00:00:00.500"),
        .. audit,
    ]);

    [Test]
    [CancelAfter(60_000)]
    public async Task DisposeAsync_HostSinkHangsInWriteAndInDispose_DisposingTheProviderEnds(CancellationToken cancellationToken)
    {
        var gate = new SinkGate();
        var services = new ServiceCollection();
        services.AddSingleton(gate);
        services.AddAiCompliance(StuckSinkConfig().GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests().UseAuditSink<HangingSink>();
        var provider = services.BuildServiceProvider();
        try
        {
            var router = provider.GetRequiredService<IProviderRouter>();
            (await FluentActions.Awaiting(() => router.SendAsync(Requests.Make("ws-1"), cancellationToken).WaitAsync(DisposeGuard, cancellationToken))
                .Should().ThrowAsync<Intercom.AiCompliance.Audit.AuditWriteException>()).Which.Failure.Should().Be(Intercom.AiCompliance.Audit.AuditWriteFailure.TimedOut);
            gate.WriteEntered.Should().BeTrue("the request reached the stuck sink");

            // Before the trail owned its sink, the container disposed it after the trail and waited on it forever.
            // On the thread pool: a sink's Dispose that blocks its thread must not block the test's.
            await Task.Run(() => provider.DisposeAsync().AsTask(), cancellationToken).WaitAsync(DisposeGuard, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task DisposeAsync_HostSinkInstanceHangsInDispose_DisposingTheProviderEnds(CancellationToken cancellationToken)
    {
        var gate = new SinkGate();
        var sink = new HangingSink(gate) { WritesHang = false };
        var services = new ServiceCollection();
        services.AddAiCompliance(StuckSinkConfig().GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests().UseAuditSink(sink);
        var provider = services.BuildServiceProvider();
        try
        {
            (await provider.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), cancellationToken).WaitAsync(DisposeGuard, cancellationToken))
                .Should().NotBeNull();

            // On the thread pool: a sink's Dispose that blocks its thread must not block the test's.
            await Task.Run(() => provider.DisposeAsync().AsTask(), cancellationToken).WaitAsync(DisposeGuard, cancellationToken);
            gate.DisposeEntered.Should().BeTrue("the trail closes the sink it owns, and stops waiting once the shutdown timeout has passed");
        }
        finally
        {
            gate.Release();
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task DisposeAsync_JsonLinesSinkStuckInAWrite_DisposingTheProviderEnds(CancellationToken cancellationToken)
    {
        var dir = Directory.CreateTempSubdirectory("aic-stuck-");
        var services = new ServiceCollection();
        services.AddAiCompliance(StuckSinkConfig(("AiCompliance:Audit:FilePath", Path.Combine(dir.FullName, "audit.jsonl"))).GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos()
            .AddSimulatedClientsForDemosAndTests();
        var provider = services.BuildServiceProvider();
        var sink = provider.GetRequiredService<Intercom.AiCompliance.Audit.AuditTrail>().Sink;
        sink.Should().BeOfType<Intercom.AiCompliance.Audit.JsonLinesAuditSink>();

        // A write stuck in the file system (a hung network share, a frozen disk) holds the sink's I/O lock; a thread
        // of the test holds that lock to stand for it, so the trail's write and the sink's Dispose both block on it.
        var io = typeof(Intercom.AiCompliance.Audit.JsonLinesAuditSink).GetField("_io", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(sink)!;
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            lock (io)
            {
                held.Set();
                release.Wait();
            }
        }) { IsBackground = true };
        holder.Start();
        held.Wait(cancellationToken);
        try
        {
            var router = provider.GetRequiredService<IProviderRouter>();
            await FluentActions.Awaiting(() => router.SendAsync(Requests.Make("ws-1"), cancellationToken).WaitAsync(DisposeGuard, cancellationToken))
                .Should().ThrowAsync<Intercom.AiCompliance.Audit.AuditWriteException>();

            // On the thread pool: a sink's Dispose that blocks its thread must not block the test's.
            await Task.Run(() => provider.DisposeAsync().AsTask(), cancellationToken).WaitAsync(DisposeGuard, cancellationToken);
        }
        finally
        {
            release.Set();
            holder.Join();
        }

        // Once the stuck write ends, the trail closes the file and releases its lock: a new writer can open it.
        await Wait.Until(() => CanOpen(Path.Combine(dir.FullName, "audit.jsonl")), "the sink is closed once its stuck call ends");
        dir.Delete(recursive: true);
    }

    private static bool CanOpen(string path)
    {
        try
        {
            using var sink = new Intercom.AiCompliance.Audit.JsonLinesAuditSink(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class SinkGate
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool WriteEntered;

        public volatile bool DisposeEntered;

        public Task Released => _release.Task;

        public void Release() => _release.TrySetResult();
    }

    /// <summary>A host sink that hangs in WriteAsync (ignoring its token) and in DisposeAsync until its gate opens.</summary>
    private sealed class HangingSink(SinkGate gate) : Intercom.AiCompliance.Audit.IAuditSink, IAsyncDisposable
    {
        private readonly Intercom.AiCompliance.Audit.InMemoryAuditSink _inner = new();

        public bool WritesHang { get; init; } = true;

        public ValueTask<Intercom.AiCompliance.Audit.AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => _inner.ReadHeadAsync(cancellationToken);

        public async ValueTask WriteAsync(IReadOnlyList<Intercom.AiCompliance.Audit.AuditRecord> records, CancellationToken cancellationToken = default)
        {
            gate.WriteEntered = true;
            if (WritesHang)
            {
                await gate.Released.ConfigureAwait(false);
            }

            await _inner.WriteAsync(records, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            gate.DisposeEntered = true;
            await gate.Released.ConfigureAwait(false);
        }
    }

    [Test]
    public async Task AddAiCompliance_FromConfiguration_RoutesWithDefaultCatalogueAndBoundProfiles()
    {
        var services = new ServiceCollection();
        services.AddAiCompliance(Config(OneWorkspace()).GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
        await using var provider = services.BuildServiceProvider();

        var router = provider.GetRequiredService<IProviderRouter>();
        var response = await router.SendAsync(Requests.Make("ws-1", sources: [KnowledgeSource.Articles]));

        response.ServedBy.ProcessingRegions.Should().Equal(Region.EU);
    }

    [Test]
    public async Task AddAiCompliance_CalledTwice_RegistersOnceAndBindsOnce()
    {
        var services = new ServiceCollection();
        var config = Config(OneWorkspace());
        services.AddAiCompliance(config.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos();
        services.AddAiCompliance(config.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
        await using var provider = services.BuildServiceProvider();

        services.Count(d => d.ServiceType == typeof(IProviderRouter)).Should().Be(1);
        provider.GetRequiredService<IOptions<AiComplianceOptions>>().Value.Workspaces.Should().ContainSingle();
        (await provider.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"))).Should().NotBeNull();
    }

    [Test]
    public async Task AddAiCompliance_CustomRuleAndChatClient_ArePickedUpAndTheRecordNamesTheClient()
    {
        var client = new CountingChatClient();
        var services = new ServiceCollection();
        services.AddAiCompliance(Config(
                ("AiCompliance:Catalog:Deployments:0:Id", "claude-us"),
                ("AiCompliance:Catalog:Deployments:0:Provider", "Anthropic"),
                ("AiCompliance:Catalog:Deployments:0:Model", "claude"),
                ("AiCompliance:Catalog:Deployments:0:Capabilities:0", "Chat"),
                ("AiCompliance:Catalog:Deployments:0:ProcessingRegions:0", "US"),
                ("AiCompliance:Catalog:Deployments:0:SubprocessorLists:0", "global"),
                ("AiCompliance:Catalog:Deployments:0:Endpoint", "https://api.anthropic.com"),
                ("AiCompliance:Catalog:Deployments:0:Attestations:0:Kind", "ZeroDataRetention"),
                ("AiCompliance:Catalog:Deployments:0:Attestations:0:Reference", "Z"),
                ("AiCompliance:Catalog:Deployments:0:Attestations:0:EffectiveFrom", "2025-01-01T00:00:00Z"),
                ("AiCompliance:Catalog:Deployments:0:Attestations:1:Kind", "NoTraining"),
                ("AiCompliance:Catalog:Deployments:0:Attestations:1:Reference", "N"),
                ("AiCompliance:Catalog:Deployments:0:Attestations:1:EffectiveFrom", "2025-01-01T00:00:00Z"),
                ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
                ("AiCompliance:Workspaces:0:HostingRegion", "US"),
                ("AiCompliance:Workspaces:0:ContractType", "Standard"),
                ("AiCompliance:Workspaces:0:HandlesHealthData", "false")).GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos()
            .AddRule(new OnlyProviderRule(ProviderKind.Anthropic))
            .AddChatClient("claude-us", client);
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"));

        response.ServedBy.Id.Should().Be("claude-us");
        response.ServedByClient.Should().Be(nameof(CountingChatClient));
        response.Simulated.Should().BeFalse();
        client.Calls.Should().Be(1, "the deployment's registered client is the one called");
        var record = ((Intercom.AiCompliance.Audit.InMemoryAuditSink)provider.GetRequiredService<Intercom.AiCompliance.Audit.AuditTrail>().Sink).Outcomes().Single();
        record.ServedByClient.Should().Be(nameof(CountingChatClient));
        record.Simulated.Should().BeNull();
    }

    [Test]
    public async Task AddAiCompliance_TimeProviderInDi_IsUsed()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddAiCompliance(Config(OneWorkspace("US")).GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
        await using var provider = services.BuildServiceProvider();

        // Every default contract has expired by 2030, so the router must refuse: proof that it reads the DI clock.
        var plan = await provider.GetRequiredService<IProviderRouter>().PlanAsync(Requests.Make("ws-1"));
        plan.EvaluatedAt.Should().Be(clock.GetUtcNow());
        plan.Candidates.Should().BeEmpty();
    }

    [TestCase("AiCompliance:Router:TotalDeadline", "00:00:00", "AiCompliance:Router:TotalDeadline")]
    [TestCase("AiCompliance:Router:Retry:MaxRetryAttempts", "50", "AiCompliance:Router:Retry:MaxRetryAttempts")]
    [TestCase("AiCompliance:Router:CircuitBreaker:FailureRatio", "3", "AiCompliance:Router:CircuitBreaker:FailureRatio")]
    [TestCase("AiCompliance:Router:AuditDigestKey", "c2hvcnQ=", "AiCompliance:Router:AuditDigestKey")]
    [TestCase("AiCompliance:Catalog:Deployments:0:Endpoint", "https://contoso-eastus.openai.azure.com", "AiCompliance:Catalog:Deployments:0:Endpoint")]
    [TestCase("AiCompliance:Catalog:Deployments:0:Attestations:0:Reference", "", "AiCompliance:Catalog:Deployments:0:Attestations:0:Reference")]
    public async Task HostStart_InvalidConfiguration_FailsNamingTheKey(string key, string value, string expectedKey)
    {
        var pairs = new List<(string, string?)>
        {
            ("AiCompliance:Catalog:Deployments:0:Id", "azure-eu"),
            ("AiCompliance:Catalog:Deployments:0:Provider", "AzureOpenAI"),
            ("AiCompliance:Catalog:Deployments:0:DeploymentType", "Standard"),
            ("AiCompliance:Catalog:Deployments:0:Model", "gpt"),
            ("AiCompliance:Catalog:Deployments:0:Capabilities:0", "Chat"),
            ("AiCompliance:Catalog:Deployments:0:ProcessingRegions:0", "EU"),
            ("AiCompliance:Catalog:Deployments:0:SubprocessorLists:0", "eu"),
            ("AiCompliance:Catalog:Deployments:0:Endpoint", "https://x-swedencentral.openai.azure.com"),
            ("AiCompliance:Catalog:Deployments:0:Attestations:0:Kind", "ZeroDataRetention"),
            ("AiCompliance:Catalog:Deployments:0:Attestations:0:Reference", "MSFT"),
            ("AiCompliance:Catalog:Deployments:0:Attestations:0:EffectiveFrom", "2025-01-01T00:00:00Z"),
        };
        pairs.RemoveAll(p => p.Item1 == key);
        pairs.Add((key, value));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Item1, p.Item2)));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
        using var host = builder.Build();

        var ex = (await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>()).Which;
        ex.Message.Should().Contain(expectedKey);
    }

    [Test]
    public async Task HostStart_ValidConfiguration_Starts()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(OneWorkspace().Select(p => new KeyValuePair<string, string?>(p.Item1, p.Item2)));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }

    [Test]
    public async Task ConfigurationReading_FullDefaultCatalogue_MatchesTheShippedCatalogue()
    {
        var config = new ConfigurationBuilder().AddJsonStream(DefaultCatalog.OpenJson()).Build();
        var services = new ServiceCollection();
        services.AddAiCompliance(config.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos();
        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<AiComplianceOptions>>().Value;

        var bound = ProviderCatalog.Create(options.Catalog.Deployments);
        var shipped = DefaultCatalog.Create();
        bound.Fingerprint.Should().Be(shipped.Fingerprint, "the configuration reader and the JSON reader agree on every field");
        bound.Deployments.Should().HaveCount(shipped.Deployments.Count);
        bound.Deployments.Should().OnlyContain(d => d.Attestations.Count == 0, "the shipped catalogue confirms no contract");
    }

    private sealed class OnlyProviderRule(ProviderKind only) : IComplianceRule
    {
        public string Name => "only-provider";

        public RuleViolation? Evaluate(ProviderDeployment deployment, PolicyClass policy, DateTimeOffset now) =>
            deployment.Provider == only ? null : new RuleViolation(new RejectionReason("host.only-provider"), Name, $"only {only} is allowed");
    }

    private sealed class CountingChatClient : IChatClient
    {
        private int _calls;

        public int Calls => _calls;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Router_BuiltByTheContainerWithDefaultOptions_TrafficReturnsAfterAnOutageEnds(CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider();
        var spy = new ScriptedClient.Shared(clock);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        var builder = services.AddAiCompliance(o => o.Workspaces.Add(Requests.Profile("ws-eu", Region.EU))).UseInMemoryAuditForTestsAndDemos();
        foreach (var deployment in new[] { Deployments.Make("eu-a", region: Region.EU, resolution: 0.8), Deployments.Make("eu-b", region: Region.EU, resolution: 0.7) })
        {
            var client = new ScriptedClient(deployment, spy);
            builder.AddDeployment(deployment)
                .AddDeploymentClient<IChatClient>(deployment.Id, (_, _) => client)
                .AddDeploymentClient<IEmbeddingGenerator<string, Embedding<float>>>(deployment.Id, (_, _) => client)
                .AddDeploymentClient<ISpeechToTextClient>(deployment.Id, (_, _) => client)
                .AddDeploymentClient<ITextToSpeechClient>(deployment.Id, (_, _) => client)
                .AddDeploymentClient<IRerankingClient>(deployment.Id, (_, _) => client);
        }

        await using var provider = services.BuildServiceProvider();
        var router = provider.GetRequiredService<ProviderRouter>();

        // Retry delays and timeouts run on the fake clock: move it on while a request is in flight.
        async Task<AiResponse> Send()
        {
            var sending = router.SendAsync(Requests.Make("ws-eu"), cancellationToken);
            while (!sending.IsCompleted)
            {
                clock.Advance(TimeSpan.FromMilliseconds(50));
                await Task.Delay(1, cancellationToken);
            }

            return await sending;
        }

        spy.Fail("eu-a", ProviderFailureKind.ServerError);
        for (var i = 0; i < 4; i++)
        {
            (await Send()).ServedBy.Id.Should().Be("eu-b", "eu-a is down and its neighbour is compliant");
        }

        router.CircuitStateOf("eu-a").Should().Be(Polly.CircuitBreaker.CircuitState.Open, "the default breaker opens after repeated failures");

        spy.Scripts.TryRemove("eu-a", out _);
        clock.Advance(new ProviderRouterOptions().CircuitBreaker.BreakDuration + TimeSpan.FromSeconds(1));

        (await Send()).ServedBy.Id.Should().Be("eu-a", "after the default break the next request probes the recovered deployment");
        router.CircuitStateOf("eu-a").Should().Be(Polly.CircuitBreaker.CircuitState.Closed);
        (await Send()).ServedBy.Id.Should().Be("eu-a", "traffic has returned");
    }
}
