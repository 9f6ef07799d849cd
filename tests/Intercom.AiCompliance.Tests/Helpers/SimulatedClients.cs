using System.Collections.Concurrent;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Providers.Simulated;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>Registries of simulated clients, optionally with each deployment's chat client wrapped (to spy on calls).</summary>
public static class SimulatedClients
{
    public static DeploymentClientRegistry Registry(SimulationOptions simulation, TimeProvider? clock = null, Func<ProviderDeployment, IChatClient, IChatClient>? wrapChat = null)
    {
        var registry = new DeploymentClientRegistry();
        if (wrapChat is null)
        {
            return registry.AddSimulatedClientsForDemosAndTests(simulation, clock);
        }

        registry.AllowSimulatedClientsForDemosAndTests();
        var clients = new ConcurrentDictionary<string, SimulatedProviderClient>(StringComparer.OrdinalIgnoreCase);
        SimulatedProviderClient For(ProviderDeployment d) => clients.GetOrAdd(d.Id, _ => new SimulatedProviderClient(d, simulation, clock));
        foreach (var kind in Enum.GetValues<ProviderKind>().Where(k => k != ProviderKind.Unknown))
        {
            registry.Add<IChatClient>(kind, (_, d) => wrapChat(d, For(d)));
            registry.Add<IEmbeddingGenerator<string, Embedding<float>>>(kind, (_, d) => For(d));
            registry.Add<ISpeechToTextClient>(kind, (_, d) => For(d));
            registry.Add<ITextToSpeechClient>(kind, (_, d) => For(d));
            registry.Add<IRerankingClient>(kind, (_, d) => For(d));
        }

        return registry;
    }
}
