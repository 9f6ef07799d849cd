using System.Collections.Concurrent;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Tests.DependencyInjection;

public class AiComplianceOptionsValidatorTests
{
    private static readonly (string, string?)[] Valid =
    [
        ("AiCompliance:Catalog:UseDefault", "true"),
        .. FictionalContracts.ConfigurationPairs(),
        ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
        ("AiCompliance:Workspaces:0:HostingRegion", "US"),
        ("AiCompliance:Workspaces:0:ContractType", "Standard"),
        ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
    ];

    private static HostApplicationBuilder Builder(IEnumerable<(string Key, string? Value)> pairs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        return builder;
    }

    private static async Task<OptionsValidationException> StartFails(IHost host)
    {
        using (host)
        {
            return (await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>()).Which;
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task HostStart_TrainingSinkWithInMemoryConsentStore_FailsNamingTheFix()
    {
        var builder = Builder(Valid);
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().UseTrainingSink(new InMemoryTrainingDataSink()).AddSimulatedClientsForDemosAndTests();

        var ex = await StartFails(builder.Build());

        ex.Message.Should().Contain("training sink").And.Contain("UseConsentEventStore").And.Contain("UseInMemoryConsentStoreForTestsAndDemos");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task HostStart_TrainingSinkWithExplicitInMemoryOptIn_Starts(CancellationToken cancellationToken)
    {
        var builder = Builder(Valid);
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos()
            .UseTrainingSink(new InMemoryTrainingDataSink()).UseInMemoryConsentStoreForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        await host.StopAsync(cancellationToken);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task HostStart_TrainingSinkWithAHostConsentStore_Starts(CancellationToken cancellationToken)
    {
        var builder = Builder(Valid);
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos()
            .UseTrainingSink(new InMemoryTrainingDataSink()).UseConsentEventStore<DurableStandIn>().AddSimulatedClientsForDemosAndTests();
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        await host.StopAsync(cancellationToken);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task HostStart_MixedScriptLookalikeId_StartsAndWarnsNamingTheKey(CancellationToken cancellationToken)
    {
        var logs = new CapturingLoggerProvider();
        var builder = Builder([.. Valid,
            ("AiCompliance:Catalog:Deployments:0:Id", "\u0430zure-eu"), // Cyrillic 'а'
            ("AiCompliance:Catalog:Deployments:0:Provider", "AzureOpenAI"),
            ("AiCompliance:Catalog:Deployments:0:DeploymentType", "Standard"),
            ("AiCompliance:Catalog:Deployments:0:Model", "gpt"),
            ("AiCompliance:Catalog:Deployments:0:Capabilities:0", "Chat"),
            ("AiCompliance:Catalog:Deployments:0:ProcessingRegions:0", "EU"),
            ("AiCompliance:Catalog:Deployments:0:SubprocessorLists:0", "global"),
            ("AiCompliance:Catalog:Deployments:0:SubprocessorLists:1", "eu"),
            ("AiCompliance:Catalog:Deployments:0:Endpoint", "https://x-swedencentral.openai.azure.com")]);
        builder.Logging.AddProvider(logs);
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
        using var host = builder.Build();

        await host.StartAsync(cancellationToken);
        await host.StopAsync(cancellationToken);

        logs.Messages.Should().Contain(m => m.Level == LogLevel.Warning
            && m.Text.Contains("AiCompliance:Catalog:Deployments:0:Id", StringComparison.Ordinal)
            && m.Text.Contains("\\u0430zure-eu", StringComparison.Ordinal));
    }

    [Test]
    public async Task Options_CodeConfiguredUndefinedAuditFailureMode_Refused()
    {
        var services = new ServiceCollection();
        services.AddAiCompliance(o => o.Router.AuditFailureMode = (AuditFailureMode)2).UseInMemoryAuditForTestsAndDemos();
        await using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<AiComplianceOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*AiCompliance:Router:AuditFailureMode*FailClosed, FailOpen*");
    }

    [Test]
    public void Defaults_LeaveRoomForOneFailoverInsideTheDeadline()
    {
        var defaults = new ProviderRouterOptions();
        (AiComplianceOptionsValidator.WorstCaseOnOneCandidate(defaults) + defaults.AttemptTimeout).Should().BeLessThanOrEqualTo(defaults.TotalDeadline);
        new AiComplianceOptionsValidator().Validate(null, new AiComplianceOptions()).Succeeded.Should().BeTrue();
    }

    [TestCase("ws-eu ")]
    [TestCase(" ws-eu")]
    public void Validate_WorkspaceIdWithASpaceAtAnEnd_FailsNamingTheKey(string id)
    {
        // Profiles are looked up by the exact id the platform sends: this one would never be found.
        var options = new AiComplianceOptions();
        options.Workspaces.Add(Requests.Profile(id, Intercom.AiCompliance.Catalog.Region.EU));

        var result = new AiComplianceOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("AiCompliance:Workspaces:0:WorkspaceId").And.Contain("space");
    }

    [Test]
    public void Validate_RetriesThatUseTheWholeDeadline_FailNamingTheDeadline()
    {
        var options = new AiComplianceOptions { Router = { AttemptTimeout = TimeSpan.FromSeconds(10) } };

        var result = new AiComplianceOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("AiCompliance:Router:TotalDeadline").And.Contain("fail over");
    }

    [Test]
    public void Validate_AttemptTimeoutLongerThanTheDeadline_FailsNamingTheAttemptTimeout()
    {
        // No retries and no delays, so only the attempt-timeout-above-deadline check can catch this one.
        var options = new AiComplianceOptions
        {
            Router =
            {
                AttemptTimeout = TimeSpan.FromSeconds(40),
                TotalDeadline = TimeSpan.FromSeconds(30),
                Retry = { MaxRetryAttempts = 0 },
            },
        };

        var result = new AiComplianceOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("AiCompliance:Router:AttemptTimeout").And.Contain("longer than AiCompliance:Router:TotalDeadline");
    }

    [Test]
    public void Validate_ShortDeadlineWithTheDefaultRedactionTimeout_IsAccepted()
    {
        // A host that shortens the deadline below the redaction default (2 s), and may never redact, must still start:
        // the deadline bounds redaction as well.
        var options = new AiComplianceOptions
        {
            Router =
            {
                AttemptTimeout = TimeSpan.FromMilliseconds(200),
                TotalDeadline = TimeSpan.FromMilliseconds(500),
                Retry = { MaxRetryAttempts = 0 },
            },
        };

        var result = new AiComplianceOptionsValidator().Validate(null, options);

        result.FailureMessage.Should().BeNull();
        result.Failed.Should().BeFalse();
    }

    [Test]
    public async Task AddAttestation_OnADefaultDeployment_MakesItRoutable()
    {
        var services = new ServiceCollection();
        var builder = services.AddAiCompliance(o => o.Catalog.UseDefault = true).UseInMemoryAuditForTestsAndDemos();
        foreach (var a in FictionalContracts.For(DefaultCatalog.Deployments().Single(d => d.Id == "openai-eu")))
        {
            builder.AddAttestation("openai-eu", a);
        }

        await using var provider = services.BuildServiceProvider();
        var plan = provider.GetRequiredService<RoutingPlanner>().Plan(Requests.Make(), Requests.Profile(region: Region.EU), new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));

        plan.Candidates.Select(d => d.Id).Should().Equal("openai-eu");
    }

    [Test]
    public async Task ConfigurationTree_HostAndPlainConfiguration_AreReadInOnePass()
    {
        var builder = Builder(Valid);
        builder.Configuration.AddJsonStream(new MemoryStream("""{ "AiCompliance": { "Workspaces": [ { "WorkspaceId": "from-json" } ] } }"""u8.ToArray()));
        ConfigurationTree.CanReadInOnePass(builder.Configuration.GetSection("AiCompliance")).Should().BeTrue("the host's configuration manager is read without a walk");
        var root = new ConfigurationBuilder().AddInMemoryCollection(Valid.Select(p => new KeyValuePair<string, string?>(p.Item1, p.Item2))).Build();
        ConfigurationTree.CanReadInOnePass(root.GetSection("AiCompliance")).Should().BeTrue();

        // Later providers override earlier ones, as configuration does.
        var tree = ConfigurationTree.Read(builder.Configuration.GetSection("AiCompliance"));
        tree.Children["Workspaces"].Children["0"].Children["WorkspaceId"].Value.Should().Be("from-json");
        tree.Children["Workspaces"].Children["0"].Children["HostingRegion"].Value.Should().Be("US");
        await Task.CompletedTask;
    }

    private sealed class DurableStandIn : IConsentEventStore
    {
        private readonly InMemoryConsentEventStore _inner = new();

        public ValueTask<ConsentEvent> AppendAsync(ConsentEvent consentEvent, CancellationToken cancellationToken = default) => _inner.AppendAsync(consentEvent, cancellationToken);

        public ValueTask<IReadOnlyList<ConsentEvent>> ReadAsync(string workspaceId, CancellationToken cancellationToken = default) => _inner.ReadAsync(workspaceId, cancellationToken);

        public ValueTask<IReadOnlyList<ConsentEvent>> ReadAllAsync(CancellationToken cancellationToken = default) => _inner.ReadAllAsync(cancellationToken);
    }
}

/// <summary>Keeps every log line written through it, for assertions on warnings.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Text)> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Messages.Enqueue((logLevel, category, formatter(state, exception)));
    }
}
