using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the compliance router in a host's services.</summary>
public static class AiComplianceServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IProviderRouter"/> and everything it needs, validated when the host starts. Calling it more
    /// than once is harmless: services are registered once and each configuration section is bound once.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Optional code configuration, applied after configuration binding.</param>
    public static AiComplianceBuilder AddAiCompliance(this IServiceCollection services, Action<AiComplianceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddCore(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new AiComplianceBuilder(services);
    }

    /// <summary>
    /// Registers the router and reads <paramref name="section"/> (normally <c>configuration.GetSection("AiCompliance")</c>)
    /// strictly: an unknown key, a value that does not convert (in a list, an enum, a number, a region) or a missing fact
    /// fails the host's start with the key named, where the configuration binder would drop or default it in silence.
    /// A reload is applied only when the reloaded section is valid; otherwise it is logged and the last valid one stays.
    /// </summary>
    public static AiComplianceBuilder AddAiCompliance(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var marker = AddCore(services);
        var path = section is IConfigurationSection s ? s.Path : string.Empty;
        if (marker.BoundSections.Add(path))
        {
            services.AddSingleton<IConfigureOptions<AiComplianceOptions>>(sp => new StrictConfigureOptions(section, sp.GetRequiredService<ConfigurationProblems>()));
            services.AddSingleton<IOptionsChangeTokenSource<AiComplianceOptions>>(sp => new ValidatedReloadTokenSource(section, sp));
        }

        return new AiComplianceBuilder(services);
    }

    private static Marker AddCore(IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(Marker))?.ImplementationInstance is Marker existing)
        {
            return existing;
        }

        var marker = new Marker();
        services.AddSingleton(marker);
        services.AddOptions<AiComplianceOptions>().ValidateOnStart();
        services.TryAddSingleton<ConfigurationProblems>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AiComplianceOptions>, AiComplianceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AiComplianceOptions>, AuditOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new DeploymentClientRegistry());
        services.TryAddSingleton<IProviderFailureClassifier>(ProviderFailureClassifier.Default);

        // Building the router at start builds every deployment's clients and checks them: a deployment with no client,
        // two, or a simulated one without the opt-in stops the host, naming the deployment.
        services.AddOptions<RouterStartCheck>().Configure<ProviderRouter>((_, _) => { }).ValidateOnStart();
        services.TryAddSingleton<IWorkspaceProfileStore, ConfigurationWorkspaceProfileStore>();
        // The services below read the options through the monitor, which the start-up validation also uses: the section
        // is read and validated once at start rather than once per accessor.
        services.TryAddSingleton<IAuditSink>(sp =>
        {
            var audit = sp.GetRequiredService<IOptionsMonitor<AiComplianceOptions>>().CurrentValue.Audit;
            return audit.FilePath is { Length: > 0 } path
                ? new JsonLinesAuditSink(path, audit.FlushToDisk, sp.GetService<ILoggerFactory>()?.CreateLogger<JsonLinesAuditSink>(), sp.GetService<TimeProvider>())
                : sp.GetService<InMemoryAuditOptIn>() is { } inMemory
                    ? new InMemoryAuditSink(inMemory.Capacity)
                    : throw new InvalidOperationException(
                        "No durable audit destination is configured, and evidence kept only in memory would vanish on restart: set AiCompliance:Audit:FilePath " +
                        "(a JSON Lines file), call UseSqlite() (package Intercom.AiCompliance.Sqlite), or UseAuditSink<TSink>(); " +
                        "for tests and demos only, call UseInMemoryAuditForTestsAndDemos().");
        });
        // The trail owns its sink: it builds the sink from the IAuditSink registration itself rather than resolving it,
        // so the container never holds the sink and never disposes it. Disposed by the container, the sink's own
        // dispose (a host sink waiting for a stuck write, or a file sink waiting under its lock) would make disposing
        // the host unbounded; the trail bounds it by AiCompliance:Audit:ShutdownTimeout.
        services.TryAddSingleton(sp => new AuditTrail(
            CreateOwnedAuditSink(services, sp),
            AuditOptionsValidator.ToTrailOptions(sp.GetRequiredService<IOptionsMonitor<AiComplianceOptions>>().CurrentValue.Audit),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<AuditTrail>()));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<AiComplianceOptions>>().CurrentValue;
            return ProviderCatalog.Create(options.Catalog.EffectiveDeployments(),
                new CatalogValidationOptions { AllowLoopbackEndpoints = options.Catalog.AllowLoopbackEndpoints });
        });
        services.TryAddSingleton(sp =>
        {
            var router = sp.GetRequiredService<IOptionsMonitor<AiComplianceOptions>>().CurrentValue.Router;
            return new ComplianceRuleSet(
                [.. ComplianceRuleSet.DefaultDeploymentRules(), .. sp.GetServices<IComplianceRule>()],
                [.. ComplianceRuleSet.DefaultRequestRules(router.MaxInputCharacters, router.MaxAudioBytes, router.MaxInputBytes), .. sp.GetServices<IRequestRule>()]);
        });
        services.TryAddSingleton(sp => new RoutingPlanner(sp.GetRequiredService<ProviderCatalog>(), sp.GetRequiredService<ComplianceRuleSet>()));
        services.TryAddSingleton<IConsentEventStore, InMemoryConsentEventStore>();
        services.TryAddSingleton<ITrainingConsentLedger>(sp => new TrainingConsentLedger(sp.GetRequiredService<IConsentEventStore>(), sp.GetRequiredService<TimeProvider>()));
        // Quarantines persist next to the audit trail (or where AiCompliance:Quarantine:FilePath says; the SQLite package
        // replaces the store with its database), and are re-read every Quarantine:ReloadInterval.
        services.TryAddSingleton<IQuarantineStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<AiComplianceOptions>>().CurrentValue;
            return options.Quarantine.EffectiveFilePath(options.Audit) is { } path
                ? new JsonFileQuarantineStore(path)
                : new InMemoryQuarantineStore();
        });
        services.TryAddSingleton(sp => new DeploymentQuarantine(
            sp.GetRequiredService<IQuarantineStore>(),
            sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptionsMonitor<AiComplianceOptions>>().CurrentValue.Quarantine.ReloadInterval,
            sp.GetService<ILoggerFactory>()?.CreateLogger<DeploymentQuarantine>()));
        services.TryAddSingleton<IDeploymentQuarantine>(sp => sp.GetRequiredService<DeploymentQuarantine>());
        services.TryAddSingleton(sp => new ProviderRouter(
            sp.GetRequiredService<RoutingPlanner>(),
            sp.GetRequiredService<DeploymentClientRegistry>(),
            sp.GetRequiredService<IWorkspaceProfileStore>(),
            sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<IOptionsMonitor<AiComplianceOptions>>().CurrentValue.Router,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ProviderRouter>>(),
            sp.GetService<ITrainingDataSink>() is { } sink
                ? new TrainingGate(sp.GetRequiredService<ITrainingConsentLedger>(), sink, null, sp.GetRequiredService<TimeProvider>())
                : null,
            sp,
            sp.GetService<IProviderFailureClassifier>(),
            sp.GetRequiredService<DeploymentQuarantine>()));
        services.TryAddSingleton<IProviderRouter>(sp => sp.GetRequiredService<ProviderRouter>());
        return marker;
    }

    /// <summary>
    /// Builds the sink the last <see cref="IAuditSink"/> registration describes (an instance, a factory or a type)
    /// without the container tracking it for disposal.
    /// </summary>
    private static IAuditSink CreateOwnedAuditSink(IServiceCollection services, IServiceProvider sp)
    {
        var descriptor = services.LastOrDefault(d => d.ServiceType == typeof(IAuditSink) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("No IAuditSink is registered: AddAiCompliance registers one; do not remove it, replace it with UseAuditSink.");
        object? sink = descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(sp)
            ?? (descriptor.ImplementationType is { } type ? ActivatorUtilities.CreateInstance(sp, type) : null);
        return sink as IAuditSink
            ?? throw new InvalidOperationException($"The IAuditSink registration produced {sink?.GetType().Name ?? "nothing"}, not an IAuditSink.");
    }

    private sealed class RouterStartCheck;

    private sealed class Marker
    {
        public HashSet<string> BoundSections { get; } = new(StringComparer.OrdinalIgnoreCase);
    }
}
