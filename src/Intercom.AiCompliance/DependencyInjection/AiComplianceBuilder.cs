using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Providers.Simulated;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Intercom.AiCompliance.DependencyInjection;

/// <summary>Configures the compliance router registered by <c>AddAiCompliance</c>.</summary>
public sealed class AiComplianceBuilder
{
    internal AiComplianceBuilder(IServiceCollection services) => Services = services;

    /// <summary>The host's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a deployment to the catalogue (after any from configuration).</summary>
    public AiComplianceBuilder AddDeployment(ProviderDeployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        Services.Configure<AiComplianceOptions>(o => o.Catalog.Deployments.Add(deployment));
        return this;
    }

    /// <summary>Starts the catalogue from the package's default one (docs/default-catalog.md).</summary>
    public AiComplianceBuilder UseDefaultCatalog()
    {
        Services.Configure<AiComplianceOptions>(o => o.Catalog.UseDefault = true);
        return this;
    }

    /// <summary>
    /// Records a contract the host has confirmed for deployment <paramref name="deploymentId"/> (a default one or its own),
    /// like an entry under <c>AiCompliance:Catalog:Attestations:{deploymentId}</c>. The default catalogue carries no
    /// contract: until one is recorded here or in configuration, a deployment is treated as breaking that promise.
    /// </summary>
    public AiComplianceBuilder AddAttestation(string deploymentId, Attestation attestation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deploymentId);
        ArgumentNullException.ThrowIfNull(attestation);
        Services.Configure<AiComplianceOptions>(o =>
        {
            if (!o.Catalog.Attestations.TryGetValue(deploymentId, out var list))
            {
                o.Catalog.Attestations[deploymentId] = list = [];
            }

            list.Add(attestation);
        });
        return this;
    }

    /// <summary>Adds a host rule that every deployment must pass, after the built-in ones.</summary>
    public AiComplianceBuilder AddRule<TRule>()
        where TRule : class, IComplianceRule
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IComplianceRule, TRule>());
        return this;
    }

    /// <summary>Adds a host rule instance that every deployment must pass.</summary>
    public AiComplianceBuilder AddRule(IComplianceRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Services.AddSingleton(rule);
        return this;
    }

    /// <summary>Adds a host rule that every request must pass before planning.</summary>
    public AiComplianceBuilder AddRequestRule<TRule>()
        where TRule : class, IRequestRule
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IRequestRule, TRule>());
        return this;
    }

    /// <summary>Uses <typeparamref name="TSink"/> for the audit trail, replacing the default.</summary>
    /// <remarks>
    /// The audit trail builds the sink and owns it: the container does not dispose it, the trail does, within
    /// <c>AiCompliance:Audit:ShutdownTimeout</c> (a sink whose dispose hangs is abandoned with a warning). Reach the
    /// sink the trail writes to through <see cref="AuditTrail.Sink"/>; resolving <see cref="IAuditSink"/> from the
    /// container builds a separate instance.
    /// </remarks>
    public AiComplianceBuilder UseAuditSink<TSink>()
        where TSink : class, IAuditSink
    {
        Services.Replace(ServiceDescriptor.Singleton<IAuditSink, TSink>());
        return this;
    }

    /// <summary>Uses a given audit sink instance, replacing the default.</summary>
    /// <remarks>The audit trail owns the instance: disposing the host disposes it through the trail, within <c>AiCompliance:Audit:ShutdownTimeout</c>.</remarks>
    public AiComplianceBuilder UseAuditSink(IAuditSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Services.Replace(ServiceDescriptor.Singleton(sink));
        return this;
    }

    /// <summary>
    /// Keeps the audit trail in process memory, for tests and demos only: every record is lost when the process ends, and
    /// the chain is sealed with a random per-process key unless <c>AiCompliance:Audit:ChainKey</c> is set. Without this,
    /// a durable destination (<c>AiCompliance:Audit:FilePath</c>, <c>UseSqlite()</c> from Intercom.AiCompliance.Sqlite,
    /// or <see cref="UseAuditSink{TSink}"/>) is required: the host's start fails otherwise.
    /// </summary>
    /// <param name="capacity">The most records kept; once full, every request fails closed with an <see cref="AuditWriteException"/> rather than drop evidence.</param>
    public AiComplianceBuilder UseInMemoryAuditForTestsAndDemos(int capacity = InMemoryAuditSink.DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Services.RemoveAll<InMemoryAuditOptIn>();
        Services.AddSingleton(new InMemoryAuditOptIn(capacity));
        return this;
    }

    /// <summary>Appends the audit trail to a JSON Lines file.</summary>
    public AiComplianceBuilder UseJsonLinesAuditFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Services.Configure<AiComplianceOptions>(o => o.Audit.FilePath = path);
        return this;
    }

    /// <summary>Uses <typeparamref name="TStore"/> for workspace profiles, replacing the configuration-bound store.</summary>
    public AiComplianceBuilder UseWorkspaceProfileStore<TStore>()
        where TStore : class, IWorkspaceProfileStore
    {
        Services.Replace(ServiceDescriptor.Singleton<IWorkspaceProfileStore, TStore>());
        return this;
    }

    /// <summary>Uses a given workspace profile store, replacing the configuration-bound store.</summary>
    public AiComplianceBuilder UseWorkspaceProfileStore(IWorkspaceProfileStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Services.Replace(ServiceDescriptor.Singleton(store));
        return this;
    }

    /// <summary>
    /// Offers anonymised Input and Output of answered requests to <typeparamref name="TSink"/>, for workspaces whose
    /// consent allows training. Without a training sink nothing is ever offered.
    /// </summary>
    public AiComplianceBuilder UseTrainingSink<TSink>()
        where TSink : class, ITrainingDataSink
    {
        Services.Replace(ServiceDescriptor.Singleton<ITrainingDataSink, TSink>());
        return this;
    }

    /// <summary>Offers anonymised samples to a given sink instance.</summary>
    public AiComplianceBuilder UseTrainingSink(ITrainingDataSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Services.Replace(ServiceDescriptor.Singleton(sink));
        return this;
    }

    /// <summary>Keeps consent events in <typeparamref name="TStore"/> (a durable store) instead of memory.</summary>
    public AiComplianceBuilder UseConsentEventStore<TStore>()
        where TStore : class, IConsentEventStore
    {
        Services.Replace(ServiceDescriptor.Singleton<IConsentEventStore, TStore>());
        return this;
    }

    /// <summary>The registry of the clients that serve the deployments (shared by every builder of this host).</summary>
    public DeploymentClientRegistry Clients =>
        Services.LastOrDefault(d => d.ServiceType == typeof(DeploymentClientRegistry))?.ImplementationInstance as DeploymentClientRegistry
        ?? throw new InvalidOperationException("AddAiCompliance registers the client registry; call it before configuring clients.");

    /// <summary>Keeps consent events in a given (durable) store instead of memory.</summary>
    public AiComplianceBuilder UseConsentEventStore(IConsentEventStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Services.Replace(ServiceDescriptor.Singleton(store));
        return this;
    }

    /// <summary>
    /// Accepts that training consent events live in process memory only, for tests and demos. Without this (or a durable
    /// store from <see cref="UseConsentEventStore{TStore}"/>), registering a training sink fails the host's start, because
    /// an in-memory store forgets every opt-out when the process restarts.
    /// </summary>
    public AiComplianceBuilder UseInMemoryConsentStoreForTestsAndDemos()
    {
        Services.TryAddSingleton<InMemoryConsentStoreOptIn>();
        return this;
    }

    /// <summary>
    /// Serves <paramref name="deploymentId"/>'s chat with the <see cref="IChatClient"/> the factory builds (once, when
    /// the router is built). Any M.E.AI chat client works: the OpenAI SDK's (<c>AsIChatClient()</c>), Azure's,
    /// Anthropic's, a local model's, with any middleware around it. Turn off the SDK's own retries so the router's
    /// policies, which never leave the compliant set, decide.
    /// </summary>
    public AiComplianceBuilder AddChatClient(string deploymentId, Func<IServiceProvider, ProviderDeployment, IChatClient> factory)
    {
        Clients.Add(deploymentId, factory);
        return this;
    }

    /// <summary>Serves <paramref name="deploymentId"/>'s chat with a given <see cref="IChatClient"/>.</summary>
    public AiComplianceBuilder AddChatClient(string deploymentId, IChatClient client)
    {
        Clients.Add(deploymentId, client);
        return this;
    }

    /// <summary>Serves the chat of every deployment of <paramref name="provider"/> with a client the factory builds per deployment.</summary>
    public AiComplianceBuilder AddChatClient(ProviderKind provider, Func<IServiceProvider, ProviderDeployment, IChatClient> factory)
    {
        Clients.Add(provider, factory);
        return this;
    }

    /// <summary>Serves <paramref name="deploymentId"/>'s embeddings with the generator the factory builds.</summary>
    public AiComplianceBuilder AddEmbeddingGenerator(string deploymentId, Func<IServiceProvider, ProviderDeployment, IEmbeddingGenerator<string, Embedding<float>>> factory)
    {
        Clients.Add(deploymentId, factory);
        return this;
    }

    /// <summary>
    /// Serves one capability of <paramref name="deploymentId"/> with a client of type <typeparamref name="TClient"/>:
    /// <see cref="IChatClient"/>, <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings to float embeddings,
    /// <see cref="ISpeechToTextClient"/>, <see cref="ITextToSpeechClient"/> or <see cref="IRerankingClient"/>.
    /// </summary>
    public AiComplianceBuilder AddDeploymentClient<TClient>(string deploymentId, Func<IServiceProvider, ProviderDeployment, TClient> factory)
        where TClient : class
    {
        Clients.Add(deploymentId, factory);
        return this;
    }

    /// <summary>Serves one capability of every deployment of <paramref name="provider"/> with a client of type <typeparamref name="TClient"/>, built per deployment.</summary>
    public AiComplianceBuilder AddProviderClient<TClient>(ProviderKind provider, Func<IServiceProvider, ProviderDeployment, TClient> factory)
        where TClient : class
    {
        Clients.Add(provider, factory);
        return this;
    }

    /// <summary>
    /// Serves every capability of every deployment with a simulated client (for demos, tests and local runs), sharing one
    /// <see cref="SimulationOptions"/> that is also registered so the host can inject outages at run time. The name is the
    /// opt-in: without this call a simulated client stops the host. Audit records of requests they serve say simulated.
    /// A deployment that also has a real client stops the host (two clients).
    /// </summary>
    public AiComplianceBuilder AddSimulatedClientsForDemosAndTests(Action<SimulationOptions>? configure = null)
    {
        var simulation = new SimulationOptions();
        configure?.Invoke(simulation);
        Services.TryAddSingleton(simulation);
        Clients.AddSimulatedClientsForDemosAndTests();
        return this;
    }

    /// <summary>
    /// Serves each deployment that has a keyed client in the host's services under its id (for example
    /// <c>services.AddKeyedChatClient("azure-openai-eu", ...)</c>) with that client, for every capability.
    /// </summary>
    public AiComplianceBuilder AddKeyedServiceClients()
    {
        Clients.AddKeyedServiceClients();
        return this;
    }

    /// <summary>Replaces how clients' exceptions are classified (transient, permanent, refusal); see <see cref="ProviderFailureClassifier"/>.</summary>
    public AiComplianceBuilder UseFailureClassifier(IProviderFailureClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        Services.Replace(ServiceDescriptor.Singleton(classifier));
        return this;
    }
}
