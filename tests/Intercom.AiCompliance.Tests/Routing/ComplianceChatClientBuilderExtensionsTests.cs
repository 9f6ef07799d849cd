using System.Collections.Concurrent;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>
/// Microsoft.Extensions.AI middleware composed around the router's chat view: a cache that never crosses compliance
/// contexts, logging that stays the host's choice, and the DI registration that returns a ChatClientBuilder.
/// </summary>
[CancelAfter(30_000)]
public class ComplianceChatClientBuilderExtensionsTests
{
    private const string Question = "How do I reset the password of jane.doe@example.com?";

    private static ComplianceContext ContextOf(string workspace, Purpose purpose = Purpose.AnsweringEndUser) => new()
    {
        WorkspaceId = workspace,
        Product = AiProduct.FinAiAgent,
        Purpose = purpose,
    };

    private static RouterFixture Fixture() =>
        new([Deployments.Make("a", resolution: 0.9), Deployments.Make("b", resolution: 0.5)], profiles: [Requests.Profile("ws-1"), Requests.Profile("ws-2")]);

    [Test]
    public async Task UseComplianceDistributedCache_SameQuestionAgain_ServedFromTheCacheWithoutASecondRoutedRequest()
    {
        await using var f = Fixture();
        var cache = new DictionaryCache();
        var chat = f.Router.AsChatClient(ContextOf("ws-1")).AsBuilder().UseComplianceDistributedCache(cache).Build();

        var first = await chat.GetResponseAsync(Question);
        var second = await chat.GetResponseAsync(Question);

        second.Text.Should().Be(first.Text);
        f.Spy.Calls.Should().ContainSingle("the second answer came from the cache, not from a deployment");
        f.Records.Should().ContainSingle("only a routed request has an audit record; the cached answer is that request's");
        cache.Count.Should().Be(1);
    }

    [Test]
    public async Task UseComplianceDistributedCache_AnotherWorkspaceAsksTheSameOnOneSharedCache_IsRoutedForItsOwnContext()
    {
        await using var f = Fixture();
        var cache = new DictionaryCache();
        var ws1 = f.Router.AsChatClient(ContextOf("ws-1")).AsBuilder().UseComplianceDistributedCache(cache).Build();
        var ws2 = f.Router.AsChatClient(ContextOf("ws-2")).AsBuilder().UseComplianceDistributedCache(cache).Build();
        var ws1Triage = f.Router.AsChatClient(ContextOf("ws-1", Purpose.Summarising)).AsBuilder().UseComplianceDistributedCache(cache).Build();

        await ws1.GetResponseAsync(Question);
        await ws2.GetResponseAsync(Question);
        await ws1Triage.GetResponseAsync(Question);

        f.Spy.Calls.Should().HaveCount(3, "a cached answer never crosses workspaces or purposes");
        f.Records.Select(r => (r.WorkspaceId, r.Purpose)).Should().Equal(("ws-1", "AnsweringEndUser"), ("ws-2", "AnsweringEndUser"), ("ws-1", "Summarising"));
        cache.Count.Should().Be(3);
    }

    [Test]
    public void UseComplianceDistributedCache_NoRouterViewInside_FailsWhenBuilt()
    {
        var build = () => new ChatClientBuilder(new NoopChatClient()).UseComplianceDistributedCache(new DictionaryCache()).Build();

        build.Should().Throw<InvalidOperationException>().WithMessage("*router view*");
    }

    [Test]
    public void CacheKeyValues_KnowledgeSourcesInAnyOrder_SameValues()
    {
        var a = ContextOf("ws-1") with { KnowledgeSources = [KnowledgeSource.Articles, KnowledgeSource.Snippets] };
        var b = ContextOf("ws-1") with { KnowledgeSources = [KnowledgeSource.Snippets, KnowledgeSource.Articles], ParticipantNames = ["Jane Doe"] };

        ComplianceChatClientBuilderExtensions.CacheKeyValues(a).Should().Equal(ComplianceChatClientBuilderExtensions.CacheKeyValues(b));
        ComplianceChatClientBuilderExtensions.CacheKeyValues(b).Should().NotContain("Jane Doe", "names are personal data and decide nothing");
    }

    [Test]
    public async Task UseLogging_AtTraceAroundTheRouter_LogsContentOnlyUnderTheHostsOwnLoggingClient()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var time = new FakeTimeProvider();
        var (clients, spy) = ScriptedClient.ForEveryProvider(time);
        var sink = new InMemoryAuditSink();
        await using var trail = new AuditTrail(sink, AuditKeys.Options());
        var router = new ProviderRouter(
            new RoutingPlanner(ProviderCatalog.Create([Deployments.Make("a", resolution: 0.9), Deployments.Make("b", resolution: 0.5)]), ComplianceRuleSet.Default),
            clients, new InMemoryWorkspaceProfileStore([Requests.Profile("ws-1")]), trail,
            new ProviderRouterOptions { Retry = { BaseDelay = TimeSpan.Zero, UseJitter = false } }, time, factory.CreateLogger<ProviderRouter>());
        spy.Fail("a", Intercom.AiCompliance.Providers.ProviderFailureKind.ServerError);
        var chat = router.AsChatClient(ContextOf("ws-1")).AsBuilder().UseLogging(factory).Build();

        await chat.GetResponseAsync(Question);
        await foreach (var _ in chat.GetStreamingResponseAsync(Question))
        {
        }

        var package = logs.Lines.Where(l => l.Category.StartsWith("Intercom.AiCompliance", StringComparison.Ordinal)).ToList();
        package.Should().NotBeEmpty("the router logged the failed attempts and the routing at Trace");
        package.Should().NotContain(l => l.Text.Contains("jane.doe", StringComparison.Ordinal) || l.Text.Contains("reset the password", StringComparison.Ordinal),
            "the package never logs content, whatever the level");
        logs.Lines.Should().Contain(l => l.Category.Contains("LoggingChatClient", StringComparison.Ordinal) && l.Text.Contains("jane.doe", StringComparison.Ordinal),
            "M.E.AI's own LoggingChatClient logs messages at Trace: that is the host's choice, made by adding it");
        sink.Records.Outcomes().Should().HaveCount(2, "two requests, each with its intents before the outcome");
    }

    [Test]
    public async Task AddComplianceChatClient_ScopedContextFromTheScope_RoutesEachScopeForItsWorkspaceThroughTheBuilderPipeline()
    {
        await using var f = Fixture();
        var services = new ServiceCollection();
        services.AddSingleton<IProviderRouter>(f.Router);
        services.AddScoped<CurrentWorkspace>();
        var pipeline = services.AddComplianceChatClient(sp => ContextOf(sp.GetRequiredService<CurrentWorkspace>().Id)).UseFunctionInvocation();
        await using var provider = services.BuildServiceProvider();

        pipeline.Should().BeOfType<ChatClientBuilder>();
        foreach (var workspace in new[] { "ws-2", "ws-1" })
        {
            await using var scope = provider.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Id = workspace;
            var chat = scope.ServiceProvider.GetRequiredService<IChatClient>();
            chat.GetService<FunctionInvokingChatClient>().Should().NotBeNull("the builder's middleware wraps the router view");
            chat.GetService<ComplianceContext>()!.WorkspaceId.Should().Be(workspace);
            await chat.GetResponseAsync(Question);
        }

        f.Records.Select(r => r.WorkspaceId).Should().Equal("ws-2", "ws-1");
    }

    private sealed class CurrentWorkspace
    {
        public string Id { get; set; } = "";
    }

    private sealed class NoopChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse());

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            AsyncEnumerable.Empty<ChatResponseUpdate>();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>A shared in-memory IDistributedCache.</summary>
    private sealed class DictionaryCache : IDistributedCache
    {
        private readonly ConcurrentDictionary<string, byte[]> _entries = new();

        public int Count => _entries.Count;

        public byte[]? Get(string key) => _entries.TryGetValue(key, out var v) ? v : null;

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key) => _entries.TryRemove(key, out _);

        public Task RemoveAsync(string key, CancellationToken token = default)
        {
            Remove(key);
            return Task.CompletedTask;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _entries[key] = value;

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Set(key, value, options);
            return Task.CompletedTask;
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, string Text)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                lines.Enqueue((category, $"{formatter(state, exception)} {structured} {exception}"));
            }
        }
    }
}
