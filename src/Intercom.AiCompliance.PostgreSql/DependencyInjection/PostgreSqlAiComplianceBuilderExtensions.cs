using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.PostgreSql;
using Intercom.AiCompliance.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps the audit chains and the consent ledger of a fleet of hosts in one PostgreSQL database.</summary>
public static class PostgreSqlAiComplianceBuilderExtensions
{
    /// <summary>The configuration section <see cref="UsePostgreSql(AiComplianceBuilder, IConfiguration)"/> is normally given: <c>AiCompliancePostgreSql</c>.</summary>
    /// <remarks>
    /// A top-level section of its own rather than <c>AiCompliance:PostgreSql</c>: the core reads <c>AiCompliance</c> strictly
    /// and refuses every key its options do not declare.
    /// </remarks>
    public const string SectionName = "AiCompliancePostgreSql";

    /// <summary>
    /// Stores this instance's audit chain (<see cref="PostgreSqlAuditSink"/>, cross-anchored with the fleet's other
    /// chains) and the consent events (<see cref="PostgreSqlConsentEventStore"/>) in the PostgreSQL database at
    /// <paramref name="connectionString"/>. The audit trail then needs <c>AiCompliance:Audit:ChainKey</c>, the same in
    /// every instance; <c>AiCompliance:Audit:FilePath</c> must not be set as well (the host's start fails if it is).
    /// </summary>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="connectionString">The Npgsql connection string; never logged or shown.</param>
    /// <param name="instanceId">This process's chain in the fleet; default the machine name.</param>
    public static AiComplianceBuilder UsePostgreSql(this AiComplianceBuilder builder, string connectionString, string? instanceId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UsePostgreSql(o =>
        {
            o.ConnectionString = connectionString;
            o.InstanceId = instanceId;
        });
    }

    /// <summary>Stores the audit chain and the consent events in the PostgreSQL database <paramref name="configure"/> describes.</summary>
    /// <inheritdoc cref="UsePostgreSql(AiComplianceBuilder, string, string)"/>
    public static AiComplianceBuilder UsePostgreSql(this AiComplianceBuilder builder, Action<PostgreSqlStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        Register(builder.Services);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Stores the audit chain and the consent events in the PostgreSQL database described by <paramref name="section"/>
    /// (normally <c>configuration.GetSection("AiCompliancePostgreSql")</c>): <c>ConnectionString</c> (required) and
    /// <c>InstanceId</c> (optional). Read strictly: an unknown key fails the host's start, naming the key (never a value).
    /// </summary>
    /// <inheritdoc cref="UsePostgreSql(AiComplianceBuilder, string, string)"/>
    public static AiComplianceBuilder UsePostgreSql(this AiComplianceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        Register(builder.Services);
        builder.Services.AddSingleton<IConfigureOptions<PostgreSqlStoreOptions>>(new PostgreSqlConfigurationReader(section));
        builder.Services.AddSingleton<IValidateOptions<PostgreSqlStoreOptions>>(new PostgreSqlConfigurationReader(section));
        return builder;
    }

    private static void Register(IServiceCollection services)
    {
        services.AddOptions<PostgreSqlStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlStoreOptions>, PostgreSqlStoreOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AiComplianceOptions>, PostgreSqlAuditConflictValidator>());
        services.TryAddSingleton(sp => PostgreSqlStore.Open(sp.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value));
        services.Replace(ServiceDescriptor.Singleton<IAuditSink>(sp =>
        {
            var audit = sp.GetRequiredService<IOptionsMonitor<AiComplianceOptions>>().CurrentValue.Audit;
            var key = audit.ChainKey is { Length: > 0 } k
                ? AuditChainKey.FromBase64(k, "AiCompliance:Audit:ChainKey")
                : throw new InvalidOperationException(
                    "AiCompliance:Audit:ChainKey is required with UsePostgreSql: the fleet's records and anchors are sealed with it, and every instance must use the same key.");
            return new PostgreSqlAuditSink(sp.GetRequiredService<PostgreSqlStore>(), key, sp.GetService<TimeProvider>());
        }));
        services.Replace(ServiceDescriptor.Singleton<IConsentEventStore>(sp => new PostgreSqlConsentEventStore(sp.GetRequiredService<PostgreSqlStore>())));
    }

    private sealed class PostgreSqlStoreOptionsValidator : IValidateOptions<PostgreSqlStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, PostgreSqlStoreOptions options)
        {
            var errors = new List<string>();
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                errors.Add($"{SectionName}:ConnectionString is required: the PostgreSQL database that holds the fleet's audit chains and the consent events.");
            }
            else
            {
                try
                {
                    using var dataSource = PostgreSqlStore.CreateDataSource(options.ConnectionString, "aicompliance/check");
                }
                catch (ArgumentException ex)
                {
                    errors.Add(ex.Message);
                }
            }

            if (!PostgreSqlStoreOptions.IsValidInstanceId(options.EffectiveInstanceId))
            {
                errors.Add($"{SectionName}:InstanceId must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit" +
                    (options.InstanceId is { Length: > 0 } ? "." : " (it defaults to the machine name, which does not have that form here: set it)."));
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    /// <summary>Two audit destinations would leave one of them silently unused, and a fleet needs one key: the start fails instead.</summary>
    private sealed class PostgreSqlAuditConflictValidator : IValidateOptions<AiComplianceOptions>
    {
        public ValidateOptionsResult Validate(string? name, AiComplianceOptions options)
        {
            var errors = new List<string>();
            if (options.Audit.FilePath is { Length: > 0 })
            {
                errors.Add("AiCompliance:Audit:FilePath is set, but the audit trail is stored in the PostgreSQL database (UsePostgreSql): remove FilePath, or do not call UsePostgreSql.");
            }

            if (options.Audit.ChainKey is not { Length: > 0 })
            {
                errors.Add("AiCompliance:Audit:ChainKey is required with UsePostgreSql: the fleet's records and anchors are sealed with it, and every instance must use the same key.");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    /// <summary>Reads the section strictly: known keys only; values are never repeated in errors.</summary>
    private sealed class PostgreSqlConfigurationReader(IConfiguration section) : IConfigureOptions<PostgreSqlStoreOptions>, IValidateOptions<PostgreSqlStoreOptions>
    {
        private string Prefix => section is IConfigurationSection s ? s.Path : SectionName;

        public void Configure(PostgreSqlStoreOptions options)
        {
            if (section[nameof(PostgreSqlStoreOptions.ConnectionString)] is { Length: > 0 } connectionString)
            {
                options.ConnectionString = connectionString;
            }

            if (section[nameof(PostgreSqlStoreOptions.InstanceId)] is { Length: > 0 } instanceId)
            {
                options.InstanceId = instanceId;
            }
        }

        public ValidateOptionsResult Validate(string? name, PostgreSqlStoreOptions options)
        {
            var errors = new List<string>();
            foreach (var child in section.GetChildren())
            {
                if (child.Key.Equals(nameof(PostgreSqlStoreOptions.ConnectionString), StringComparison.OrdinalIgnoreCase)
                    || child.Key.Equals(nameof(PostgreSqlStoreOptions.InstanceId), StringComparison.OrdinalIgnoreCase))
                {
                    if (child.GetChildren().Any())
                    {
                        errors.Add($"{Prefix}:{child.Key} takes a value, not a section.");
                    }
                }
                else
                {
                    errors.Add($"{Prefix}:{child.Key} is not a known key: use ConnectionString or InstanceId.");
                }
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
