using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers.Simulated;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Intercom.AiCompliance.Providers;

/// <summary>
/// Which Microsoft.Extensions.AI client serves each deployment: an <see cref="IChatClient"/> for chat, an
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings to <see cref="Embedding{T}"/> of floats for
/// embeddings, an <see cref="ISpeechToTextClient"/> for transcription, an <see cref="ITextToSpeechClient"/> for speech
/// synthesis and an <see cref="IRerankingClient"/> for reranking.
/// </summary>
/// <remarks>
/// A client is registered for one deployment id, or for every deployment of a provider kind (a factory receives the
/// deployment, so one registration line can build a client per model and endpoint). When the router is built, each
/// deployment must have exactly one client for each capability it declares: none, or two (for example a simulated
/// client and a real one), stops the host naming the deployment, so an audit record can never name a deployment whose
/// client was not the one called. Simulated clients are refused unless the host opted in by name.
/// </remarks>
public sealed class DeploymentClientRegistry
{
    private readonly List<Registration> _registrations = [];
    private readonly object _gate = new();
    private (ProviderCatalog Catalog, IReadOnlyDictionary<string, DeploymentClients> Clients)? _resolved;

    /// <summary>Whether simulated clients may serve deployments (set by <see cref="AllowSimulatedClientsForDemosAndTests"/>).</summary>
    public bool SimulatedClientsAllowed { get; private set; }

    /// <summary>
    /// Lets simulated clients serve deployments. Without this call, a simulated client registered for any deployment
    /// stops the host: simulated answers must never pass for a provider's in production.
    /// </summary>
    public DeploymentClientRegistry AllowSimulatedClientsForDemosAndTests()
    {
        SimulatedClientsAllowed = true;
        return this;
    }

    /// <summary>Registers the client that serves <paramref name="deploymentId"/> for the capability of <typeparamref name="TClient"/>.</summary>
    /// <typeparam name="TClient">One of the five client interfaces listed on this class.</typeparam>
    /// <param name="deploymentId">The deployment's id in the catalogue.</param>
    /// <param name="factory">Builds the client once, when the router is built; receives the host's services and the deployment.</param>
    /// <exception cref="ArgumentException"><typeparamref name="TClient"/> is not one of the five client interfaces.</exception>
    public DeploymentClientRegistry Add<TClient>(string deploymentId, Func<IServiceProvider, ProviderDeployment, TClient> factory)
        where TClient : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deploymentId);
        ArgumentNullException.ThrowIfNull(factory);
        var capability = CapabilityOf(typeof(TClient));
        lock (_gate)
        {
            _registrations.Add(new Registration(deploymentId, null, capability, (sp, d) => factory(sp, d), $"a {Friendly(typeof(TClient))} registered for deployment '{deploymentId}'"));
        }

        return this;
    }

    /// <summary>Registers a client instance that serves <paramref name="deploymentId"/>.</summary>
    /// <typeparam name="TClient">One of the five client interfaces listed on this class.</typeparam>
    public DeploymentClientRegistry Add<TClient>(string deploymentId, TClient client)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(client);
        return Add<TClient>(deploymentId, (_, _) => client);
    }

    /// <summary>Registers a factory that builds the client for every deployment of <paramref name="provider"/>.</summary>
    /// <typeparam name="TClient">One of the five client interfaces listed on this class.</typeparam>
    /// <param name="provider">The provider kind.</param>
    /// <param name="factory">Builds one client per deployment, when the router is built.</param>
    public DeploymentClientRegistry Add<TClient>(ProviderKind provider, Func<IServiceProvider, ProviderDeployment, TClient> factory)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        var capability = CapabilityOf(typeof(TClient));
        lock (_gate)
        {
            _registrations.Add(new Registration(null, provider, capability, (sp, d) => factory(sp, d), $"a {Friendly(typeof(TClient))} registered for provider {provider}"));
        }

        return this;
    }

    /// <summary>
    /// Registers one simulated client per deployment for every capability of every provider kind, and allows simulated
    /// clients. For demos and tests only; their audit records say <c>simulated</c>.
    /// </summary>
    public DeploymentClientRegistry AddSimulatedClientsForDemosAndTests(SimulationOptions? options = null, TimeProvider? timeProvider = null)
    {
        AllowSimulatedClientsForDemosAndTests();
        var shared = new System.Collections.Concurrent.ConcurrentDictionary<string, SimulatedProviderClient>(StringComparer.OrdinalIgnoreCase);
        SimulatedProviderClient For(IServiceProvider sp, ProviderDeployment d) => shared.GetOrAdd(d.Id, _ => new SimulatedProviderClient(d,
            options ?? sp.GetService(typeof(SimulationOptions)) as SimulationOptions,
            timeProvider ?? sp.GetService(typeof(TimeProvider)) as TimeProvider));
        lock (_gate)
        {
            foreach (var capability in Capabilities)
            {
                _registrations.Add(new Registration(null, null, capability, For, "the simulated clients (AddSimulatedClientsForDemosAndTests)"));
            }
        }

        return this;
    }

    /// <summary>
    /// Serves each deployment with the client registered in the host's services as a keyed service under the deployment's
    /// id, for every capability (for example <c>services.AddKeyedChatClient("azure-openai-eu", ...)</c> from
    /// Microsoft.Extensions.AI, or <c>services.AddKeyedSingleton&lt;IChatClient&gt;("azure-openai-eu", ...)</c>). A deployment
    /// without a keyed client is left to the other registrations; one with a keyed client and another registration has two.
    /// </summary>
    public DeploymentClientRegistry AddKeyedServiceClients()
    {
        lock (_gate)
        {
            foreach (var capability in Capabilities)
            {
                var type = ClientTypeOf(capability);
                _registrations.Add(new Registration(null, null, capability,
                    (sp, d) => ((IKeyedServiceProvider)sp).GetRequiredKeyedService(type, d.Id),
                    $"the keyed {Friendly(type)} service under the deployment's id")
                {
                    Applies = (sp, d) => sp is IKeyedServiceProvider keyed && keyed.GetKeyedService(type, d.Id) is not null,
                });
            }
        }

        return this;
    }

    private static readonly Capability[] Capabilities =
        [Capability.Chat, Capability.Embeddings, Capability.Transcription, Capability.SpeechSynthesis, Capability.Reranking];

    /// <summary>
    /// Builds each deployment's clients once per catalogue (later calls with the same catalogue return the same ones, so
    /// the check at host start and the router share them) and checks that every deployment has exactly one client for
    /// each capability it declares.
    /// </summary>
    /// <exception cref="InvalidOperationException">A deployment has no client, two, a client of the wrong kind, or a simulated one without the opt-in; the message names it.</exception>
    internal IReadOnlyDictionary<string, DeploymentClients> Resolve(ProviderCatalog catalog, IServiceProvider services)
    {
        lock (_gate)
        {
            if (_resolved is { } done && ReferenceEquals(done.Catalog, catalog))
            {
                return done.Clients;
            }

            var result = new Dictionary<string, DeploymentClients>(StringComparer.OrdinalIgnoreCase);
            foreach (var d in catalog.Deployments)
            {
                var served = new DeploymentClients.Served?[Capabilities.Length + 1];
                foreach (var capability in Capabilities.Where(d.Supports))
                {
                    var matches = _registrations.Where(r => r.Capability == capability
                        && (r.DeploymentId is null ? r.Provider is null || r.Provider == d.Provider : string.Equals(r.DeploymentId, d.Id, StringComparison.OrdinalIgnoreCase))
                        && (r.Applies is null || r.Applies(services, d))).ToArray();
                    if (matches.Length == 0)
                    {
                        throw new InvalidOperationException(
                            $"Deployment '{d.Id}' declares {capability} but no client serves it: register one (builder.AddChatClient(\"{d.Id}\", ...) or the matching Add method for {capability}), or remove the capability or the deployment.");
                    }

                    if (matches.Length > 1)
                    {
                        throw new InvalidOperationException(
                            $"Deployment '{d.Id}' has {matches.Length} clients for {capability} ({string.Join("; ", matches.Select(m => m.Source))}): keep exactly one, so the deployment the audit trail names is the one called.");
                    }

                    var client = matches[0].Factory(services, d)
                        ?? throw new InvalidOperationException($"The factory of {matches[0].Source} returned no client for deployment '{d.Id}'.");
                    if (!ClientTypeOf(capability).IsInstanceOfType(client))
                    {
                        throw new InvalidOperationException($"{matches[0].Source} returned a {client.GetType().Name}, which is not a {Friendly(ClientTypeOf(capability))}, for deployment '{d.Id}'.");
                    }

                    var simulated = IsSimulated(client);
                    if (simulated && !SimulatedClientsAllowed)
                    {
                        throw new InvalidOperationException(
                            $"Deployment '{d.Id}' would be served by a simulated client for {capability}, but the host has not opted in: simulated clients run only after AddSimulatedClientsForDemosAndTests (demos and tests).");
                    }

                    served[(int)capability] = new DeploymentClients.Served(client, Friendly(client.GetType()), simulated);
                }

                result[d.Id] = new DeploymentClients(d, served);
            }

            _resolved = (catalog, result);
            return result;
        }
    }

    private static bool IsSimulated(object client) => client switch
    {
        SimulatedProviderClient => true,
        IChatClient c => c.GetService(typeof(SimulatedProviderClient)) is not null,
        IEmbeddingGenerator<string, Embedding<float>> e => e.GetService(typeof(SimulatedProviderClient)) is not null,
        ISpeechToTextClient s => s.GetService(typeof(SimulatedProviderClient)) is not null,
        ITextToSpeechClient t => t.GetService(typeof(SimulatedProviderClient)) is not null,
        _ => false,
    };

    private static Capability CapabilityOf(Type type) =>
        type == typeof(IChatClient) ? Capability.Chat
        : type == typeof(IEmbeddingGenerator<string, Embedding<float>>) ? Capability.Embeddings
        : type == typeof(ISpeechToTextClient) ? Capability.Transcription
        : type == typeof(ITextToSpeechClient) ? Capability.SpeechSynthesis
        : type == typeof(IRerankingClient) ? Capability.Reranking
        : throw new ArgumentException(
            $"{type.Name} is not a client the router can call: use IChatClient, IEmbeddingGenerator<string, Embedding<float>>, ISpeechToTextClient, ITextToSpeechClient or IRerankingClient as the type argument.");

    private static Type ClientTypeOf(Capability capability) => capability switch
    {
        Capability.Chat => typeof(IChatClient),
        Capability.Embeddings => typeof(IEmbeddingGenerator<string, Embedding<float>>),
        Capability.Transcription => typeof(ISpeechToTextClient),
        Capability.SpeechSynthesis => typeof(ITextToSpeechClient),
        _ => typeof(IRerankingClient),
    };

    internal static string Friendly(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return $"{(tick > 0 ? name[..tick] : name)}<{string.Join(", ", type.GetGenericArguments().Select(Friendly))}>";
    }

    private sealed record Registration(string? DeploymentId, ProviderKind? Provider, Capability Capability, Func<IServiceProvider, ProviderDeployment, object> Factory, string Source)
    {
        /// <summary>When set, the registration serves only the deployments it accepts (keyed services: those with a client under their id).</summary>
        public Func<IServiceProvider, ProviderDeployment, bool>? Applies { get; init; }
    }
}
