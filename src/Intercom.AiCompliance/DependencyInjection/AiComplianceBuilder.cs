using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Providers.OpenAI;
using Intercom.AiCompliance.Providers.Simulated;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;
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

    /// <summary>Registers an adapter; one per provider kind is used (the first registered wins).</summary>
    public AiComplianceBuilder AddAdapter<TAdapter>()
        where TAdapter : class, IProviderAdapter
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IProviderAdapter, TAdapter>());
        return this;
    }

    /// <summary>Registers an adapter instance.</summary>
    public AiComplianceBuilder AddAdapter(IProviderAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        Services.AddSingleton(adapter);
        return this;
    }

    /// <summary>
    /// Registers the simulated adapters for every provider kind (for demos, tests and local runs), sharing one
    /// <see cref="SimulationOptions"/> that is also registered so the host can inject outages at run time.
    /// </summary>
    public AiComplianceBuilder AddSimulatedAdapters(Action<SimulationOptions>? configure = null)
    {
        var simulation = new SimulationOptions();
        configure?.Invoke(simulation);
        Services.TryAddSingleton(simulation);
        foreach (var kind in Enum.GetValues<ProviderKind>().Where(k => k != ProviderKind.Unknown))
        {
            Services.AddSingleton<IProviderAdapter>(sp => new SimulatedProviderAdapter(kind, sp.GetRequiredService<SimulationOptions>(), sp.GetService<TimeProvider>()));
        }

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
    public AiComplianceBuilder UseAuditSink<TSink>()
        where TSink : class, IAuditSink
    {
        Services.Replace(ServiceDescriptor.Singleton<IAuditSink, TSink>());
        return this;
    }

    /// <summary>Uses a given audit sink instance, replacing the default.</summary>
    public AiComplianceBuilder UseAuditSink(IAuditSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Services.Replace(ServiceDescriptor.Singleton(sink));
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
    /// Registers the HTTP adapter for OpenAI-shaped APIs (chat and embeddings) for <paramref name="provider"/>.
    /// </summary>
    /// <param name="apiKey">Returns a deployment's API key from the host's secret store; the key is never logged.</param>
    /// <param name="provider">The provider kind it serves; default OpenAI.</param>
    /// <param name="httpClient">The HttpClient to use; default a shared client with a 100 s timeout (the router's own timeouts are shorter).</param>
    public AiComplianceBuilder AddOpenAICompatibleAdapter(Func<ProviderDeployment, string?> apiKey, ProviderKind provider = ProviderKind.OpenAI, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(apiKey);
        Services.AddSingleton<IProviderAdapter>(_ => new OpenAICompatibleAdapter(httpClient ?? SharedHttp.Value, apiKey, provider));
        return this;
    }

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient());
}
