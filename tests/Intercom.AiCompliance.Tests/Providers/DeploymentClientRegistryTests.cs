using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Providers.Simulated;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Intercom.AiCompliance.Tests.Providers;

[CancelAfter(30_000)]
public class DeploymentClientRegistryTests
{
    private static (string, string?)[] OneDeployment(string id = "azure-eu") =>
    [
        ("AiCompliance:Catalog:Deployments:0:Id", id),
        ("AiCompliance:Catalog:Deployments:0:Provider", "AzureOpenAI"),
        ("AiCompliance:Catalog:Deployments:0:DeploymentType", "Standard"),
        ("AiCompliance:Catalog:Deployments:0:Model", "gpt"),
        ("AiCompliance:Catalog:Deployments:0:Capabilities:0", "Chat"),
        ("AiCompliance:Catalog:Deployments:0:ProcessingRegions:0", "EU"),
        ("AiCompliance:Catalog:Deployments:0:SubprocessorLists:0", "global"),
        ("AiCompliance:Catalog:Deployments:0:SubprocessorLists:1", "eu"),
        ("AiCompliance:Catalog:Deployments:0:Endpoint", "https://x-swedencentral.openai.azure.com"),
        ("AiCompliance:Catalog:Deployments:0:Attestations:0:Kind", "ZeroDataRetention"),
        ("AiCompliance:Catalog:Deployments:0:Attestations:0:Reference", "MSFT"),
        ("AiCompliance:Catalog:Deployments:0:Attestations:0:EffectiveFrom", "2025-01-01T00:00:00Z"),
        ("AiCompliance:Catalog:Deployments:0:Attestations:1:Kind", "NoTraining"),
        ("AiCompliance:Catalog:Deployments:0:Attestations:1:Reference", "MSFT-NT"),
        ("AiCompliance:Catalog:Deployments:0:Attestations:1:EffectiveFrom", "2025-01-01T00:00:00Z"),
        ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
        ("AiCompliance:Workspaces:0:HostingRegion", "EU"),
        ("AiCompliance:Workspaces:0:ContractType", "Standard"),
        ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
    ];

    private static async Task<Exception?> StartAsync(Action<Intercom.AiCompliance.DependencyInjection.AiComplianceBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(OneDeployment().Select(p => new KeyValuePair<string, string?>(p.Item1, p.Item2)));
        configure(builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos());
        using var host = builder.Build();
        try
        {
            await host.StartAsync();
            await host.StopAsync();
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }
    }

    [Test]
    public async Task HostStart_DeploymentWithoutClient_FailsNamingTheDeployment()
    {
        var error = await StartAsync(_ => { });
        error.Should().NotBeNull("a deployment nobody can call must stop the host, not fail its first request");
        error!.Message.Should().Contain("'azure-eu'").And.Contain("Chat");
    }

    [Test]
    public async Task HostStart_DeploymentWithTwoClients_FailsNamingTheDeploymentAndBothRegistrations()
    {
        var error = await StartAsync(b => b.AddSimulatedClientsForDemosAndTests().AddChatClient("azure-eu", new ScriptedClient(Deployments.Make("azure-eu"), new ScriptedClient.Shared(TimeProvider.System))));
        error.Should().NotBeNull("with two clients the record could name a deployment whose real client was never called");
        error!.Message.Should().Contain("'azure-eu'").And.Contain("2 clients").And.Contain("simulated").And.Contain("registered for deployment 'azure-eu'");
    }

    [Test]
    public async Task HostStart_SimulatedClientWithoutOptIn_FailsNamingTheDeployment()
    {
        var error = await StartAsync(b => b.AddChatClient("azure-eu", (_, d) => new ChatClientBuilder(new SimulatedProviderClient(d)).UseFunctionInvocation().Build()));
        error.Should().NotBeNull();
        error!.Message.Should().Contain("'azure-eu'").And.Contain("simulated").And.Contain("AddSimulatedClientsForDemosAndTests");
    }

    [Test]
    public async Task HostStart_OneClientPerDeployment_Starts()
    {
        (await StartAsync(b => b.AddChatClient(Intercom.AiCompliance.Catalog.ProviderKind.AzureOpenAI, (_, d) => new ScriptedClient(d, new ScriptedClient.Shared(TimeProvider.System))))).Should().BeNull();
    }

    [Test]
    public async Task SendAsync_SimulatedOptIn_ResponseAndRecordSaySimulated()
    {
        var sink = new Intercom.AiCompliance.Audit.InMemoryAuditSink();
        var services = new ServiceCollection();
        services.AddAiCompliance(new ConfigurationBuilder().AddInMemoryCollection(OneDeployment().Select(p => new KeyValuePair<string, string?>(p.Item1, p.Item2))).Build().GetSection("AiCompliance"))
            .UseAuditSink(sink)
            .AddSimulatedClientsForDemosAndTests();
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"));

        response.Simulated.Should().BeTrue();
        response.ServedByClient.Should().Be(nameof(SimulatedProviderClient));
        sink.Outcomes().Single().Simulated.Should().BeTrue();
        sink.Outcomes().Single().ServedByClient.Should().Be(nameof(SimulatedProviderClient));
    }

    [Test]
    public async Task AddKeyedServiceClients_KeyedChatClientUnderTheDeploymentId_ServesIt()
    {
        var shared = new ScriptedClient.Shared(TimeProvider.System);
        var services = new ServiceCollection();
        services.AddKeyedSingleton<IChatClient>("azure-eu", (_, _) => new ScriptedClient(Deployments.Make("azure-eu"), shared));
        services.AddAiCompliance(new ConfigurationBuilder().AddInMemoryCollection(OneDeployment().Select(p => new KeyValuePair<string, string?>(p.Item1, p.Item2))).Build().GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos()
            .AddKeyedServiceClients();
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"));

        response.ServedBy.Id.Should().Be("azure-eu");
        response.ServedByClient.Should().Be(nameof(ScriptedClient));
        shared.CallsTo("azure-eu").Should().Be(1);
    }

    [Test]
    public async Task HostStart_KeyedClientAndAnotherRegistration_FailsAsTwoClients()
    {
        var error = await StartAsync(b =>
        {
            b.Services.AddKeyedSingleton<IChatClient>("azure-eu", new ScriptedClient(Deployments.Make("azure-eu"), new ScriptedClient.Shared(TimeProvider.System)));
            b.AddKeyedServiceClients().AddChatClient("azure-eu", new ScriptedClient(Deployments.Make("azure-eu"), new ScriptedClient.Shared(TimeProvider.System)));
        });
        error!.Message.Should().Contain("'azure-eu'").And.Contain("2 clients").And.Contain("keyed");
    }

    [Test]
    public void Add_TypeThatIsNotAClientInterface_IsRefusedAtRegistration()
    {
        var act = () => new DeploymentClientRegistry().Add<SimulatedProviderClient>("x", (_, d) => new SimulatedProviderClient(d));
        act.Should().Throw<ArgumentException>().WithMessage("*IChatClient*");
    }
}
