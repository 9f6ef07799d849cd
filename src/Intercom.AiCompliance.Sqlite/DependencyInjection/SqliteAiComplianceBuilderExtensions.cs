using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Sqlite;
using Intercom.AiCompliance.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps the audit chain, the consent ledger and the deployment quarantines in one SQLite database file.</summary>
public static class SqliteAiComplianceBuilderExtensions
{
    /// <summary>The configuration section <see cref="UseSqlite(AiComplianceBuilder, IConfiguration)"/> is normally given: <c>AiComplianceSqlite</c>.</summary>
    /// <remarks>
    /// A top-level section of its own rather than <c>AiCompliance:Sqlite</c>: the core reads <c>AiCompliance</c> strictly
    /// and refuses every key its options do not declare.
    /// </remarks>
    public const string SectionName = "AiComplianceSqlite";

    /// <summary>
    /// Stores the audit chain (<see cref="SqliteAuditSink"/>) and the consent events (<see cref="SqliteConsentEventStore"/>)
    /// in the SQLite database at <paramref name="path"/>. The audit trail then needs <c>AiCompliance:Audit:ChainKey</c>;
    /// <c>AiCompliance:Audit:FilePath</c> must not be set as well (the host's start fails if it is).
    /// </summary>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="path">The database file; a relative path is resolved against the current directory.</param>
    /// <param name="durability">What an acknowledged write survives; default <see cref="SqliteDurability.ProcessCrash"/>.</param>
    public static AiComplianceBuilder UseSqlite(this AiComplianceBuilder builder, string path, SqliteDurability durability = SqliteDurability.ProcessCrash)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.UseSqlite(o =>
        {
            o.Path = path;
            o.Durability = durability;
        });
    }

    /// <summary>Stores the audit chain and the consent events in the SQLite database <paramref name="configure"/> describes (no path: the default one, see <see cref="UseSqlite(AiComplianceBuilder)"/>).</summary>
    /// <inheritdoc cref="UseSqlite(AiComplianceBuilder, string, SqliteDurability)"/>
    public static AiComplianceBuilder UseSqlite(this AiComplianceBuilder builder, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        Register(builder.Services);
        builder.Services.Configure(configure);

        // Registered only when asked for: the action is applied to a scratch copy now to see whether it sets a MaxAge.
        var probe = new SqliteStoreOptions();
        configure(probe);
        if (probe.Retention.MaxAge is not null)
        {
            RegisterRetentionJob(builder.Services);
        }

        return builder;
    }

    /// <summary>
    /// Stores the audit chain and the consent events in the SQLite database described by <paramref name="section"/>
    /// (normally <c>configuration.GetSection("AiComplianceSqlite")</c>): <c>Path</c> (default <see cref="DefaultFileName"/> under the
    /// host's content root) and <c>Durability</c>
    /// (<c>ProcessCrash</c>, the default, or <c>PowerLoss</c>). Read strictly: an unknown key or a durability that is
    /// not one of those names fails the host's start, naming the key.
    /// </summary>
    /// <inheritdoc cref="UseSqlite(AiComplianceBuilder, string, SqliteDurability)"/>
    public static AiComplianceBuilder UseSqlite(this AiComplianceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        Register(builder.Services);
        builder.Services.AddSingleton<IConfigureOptions<SqliteStoreOptions>>(new SqliteConfigurationReader(section));
        builder.Services.AddSingleton<IValidateOptions<SqliteStoreOptions>>(new SqliteConfigurationReader(section));
        if (section.GetSection(RetentionKey)[nameof(SqliteRetentionOptions.MaxAge)] is { Length: > 0 })
        {
            RegisterRetentionJob(builder.Services);
        }

        return builder;
    }

    private const string RetentionKey = nameof(SqliteStoreOptions.Retention);

    /// <summary>The scheduled export and prune (<see cref="SqliteRetentionOptions"/>), on the host's <see cref="TimeProvider"/> if it registers one.</summary>
    private static void RegisterRetentionJob(IServiceCollection services) =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqliteAuditRetentionService>(sp => new SqliteAuditRetentionService(
            sp.GetRequiredService<IAuditRetention>(),
            sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value.Retention,
            sp.GetService<TimeProvider>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<SqliteAuditRetentionService>>())));

    private static void Register(IServiceCollection services)
    {
        services.AddOptions<SqliteStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStoreOptions>, SqliteStoreOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AiComplianceOptions>, SqliteAuditConflictValidator>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value;
            return SqliteStore.Open(string.IsNullOrWhiteSpace(options.Path)
                ? new SqliteStoreOptions { Path = DefaultPath(sp), Durability = options.Durability }
                : options);
        });
        services.Replace(ServiceDescriptor.Singleton<IAuditSink>(sp => new SqliteAuditSink(sp.GetRequiredService<SqliteStore>())));
        services.Replace(ServiceDescriptor.Singleton<IConsentEventStore>(sp => new SqliteConsentEventStore(sp.GetRequiredService<SqliteStore>())));
        // Quarantines live in the same database as the audit chain they are recorded in.
        services.Replace(ServiceDescriptor.Singleton<IQuarantineStore>(sp => new SqliteQuarantineStore(sp.GetRequiredService<SqliteStore>())));
        services.TryAddSingleton<IAuditRetention>(sp =>
        {
            var audit = sp.GetRequiredService<IOptionsMonitor<AiComplianceOptions>>().CurrentValue.Audit;
            var key = audit.ChainKey is { Length: > 0 } k
                ? AuditChainKey.FromBase64(k, "AiCompliance:Audit:ChainKey")
                : throw new InvalidOperationException("Exporting and pruning the SQLite audit chain needs AiCompliance:Audit:ChainKey: it seals the checkpoint that replaces the pruned records.");
            var retired = audit.RetiredChainKeys.Select((r, i) => AuditChainKey.FromBase64(r, $"AiCompliance:Audit:RetiredChainKeys:{i}"));
            return new SqliteAuditRetention(sp.GetRequiredService<SqliteStore>(), key, retired, sp.GetService<TimeProvider>());
        });
    }

    /// <summary>
    /// Stores the audit chain and the consent events in <see cref="DefaultFileName"/> under the host's content root
    /// (<c>IHostEnvironment.ContentRootPath</c>; the current directory when the host has none), with the default
    /// durability, <see cref="SqliteDurability.ProcessCrash"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    public static AiComplianceBuilder UseSqlite(this AiComplianceBuilder builder) => builder.UseSqlite(_ => { });

    /// <summary>The database file name used when no path is given: <c>aicompliance.db</c>, under the host's content root.</summary>
    public const string DefaultFileName = "aicompliance.db";

    /// <summary>The path a store without one uses: <see cref="DefaultFileName"/> under the content root, else the current directory.</summary>
    private static string DefaultPath(IServiceProvider sp) =>
        Path.Combine(sp.GetService<IHostEnvironment>()?.ContentRootPath is { Length: > 0 } root ? root : Directory.GetCurrentDirectory(), DefaultFileName);

    private sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
        {
            var errors = new List<string>();
            if (!Enum.IsDefined(options.Durability))
            {
                errors.Add($"{SectionName}:Durability must be ProcessCrash or PowerLoss.");
            }

            var retention = options.Retention ?? new SqliteRetentionOptions();
            if (retention.MaxAge is { } age && age <= TimeSpan.Zero)
            {
                errors.Add($"{SectionName}:Retention:MaxAge must be a positive time span, such as 30.00:00:00.");
            }

            if (retention.MaxAge is not null && string.IsNullOrWhiteSpace(retention.ExportFolder))
            {
                errors.Add($"{SectionName}:Retention:MaxAge is set but {SectionName}:Retention:ExportFolder is not: pruned records must be exported first.");
            }

            if (retention.MaxAge is null && !string.IsNullOrWhiteSpace(retention.ExportFolder))
            {
                errors.Add($"{SectionName}:Retention:ExportFolder is set but {SectionName}:Retention:MaxAge is not: set the age past which records are exported and pruned.");
            }

            if (retention.Interval <= TimeSpan.Zero)
            {
                errors.Add($"{SectionName}:Retention:Interval must be a positive time span, such as 01:00:00.");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    /// <summary>Two audit destinations would leave one of them silently unused: the start fails instead.</summary>
    private sealed class SqliteAuditConflictValidator : IValidateOptions<AiComplianceOptions>
    {
        public ValidateOptionsResult Validate(string? name, AiComplianceOptions options) =>
            options.Audit.FilePath is { Length: > 0 }
                ? ValidateOptionsResult.Fail(
                    "AiCompliance:Audit:FilePath is set, but the audit trail is stored in the SQLite database (UseSqlite): remove FilePath, or do not call UseSqlite.")
                : ValidateOptionsResult.Success;
    }

    /// <summary>Reads the section strictly: known keys only, durability by name only.</summary>
    private sealed class SqliteConfigurationReader(IConfiguration section) : IConfigureOptions<SqliteStoreOptions>, IValidateOptions<SqliteStoreOptions>
    {
        private string Prefix => section is IConfigurationSection s ? s.Path : SectionName;

        public void Configure(SqliteStoreOptions options)
        {
            if (section[nameof(SqliteStoreOptions.Path)] is { Length: > 0 } path)
            {
                options.Path = path;
            }

            if (section[nameof(SqliteStoreOptions.Durability)] is { Length: > 0 } text && TryParse(text, out var durability))
            {
                options.Durability = durability;
            }

            var retention = section.GetSection(RetentionKey);
            if (TryParseSpan(retention[nameof(SqliteRetentionOptions.MaxAge)], out var maxAge))
            {
                options.Retention.MaxAge = maxAge;
            }

            if (retention[nameof(SqliteRetentionOptions.ExportFolder)] is { Length: > 0 } folder)
            {
                options.Retention.ExportFolder = folder;
            }

            if (TryParseSpan(retention[nameof(SqliteRetentionOptions.Interval)], out var interval))
            {
                options.Retention.Interval = interval;
            }
        }

        private static bool TryParseSpan(string? text, out TimeSpan value)
        {
            value = default;
            return text is { Length: > 0 } && TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out value);
        }

        private void ValidateRetention(IConfigurationSection retention, List<string> errors)
        {
            if (retention.Value is not null)
            {
                errors.Add($"{Prefix}:{retention.Key} is a section (MaxAge, ExportFolder, Interval), not a value.");
            }

            foreach (var child in retention.GetChildren())
            {
                var key = $"{Prefix}:{retention.Key}:{child.Key}";
                if (child.Key.Equals(nameof(SqliteRetentionOptions.MaxAge), StringComparison.OrdinalIgnoreCase)
                    || child.Key.Equals(nameof(SqliteRetentionOptions.Interval), StringComparison.OrdinalIgnoreCase))
                {
                    if (!TryParseSpan(child.Value, out var span) || span <= TimeSpan.Zero)
                    {
                        errors.Add($"{key} must be a positive time span, such as 30.00:00:00 (days.hours:minutes:seconds).");
                    }
                }
                else if (child.Key.Equals(nameof(SqliteRetentionOptions.ExportFolder), StringComparison.OrdinalIgnoreCase))
                {
                    if (child.Value is not { Length: > 0 } || child.GetChildren().Any())
                    {
                        errors.Add($"{key} takes a folder path.");
                    }
                }
                else
                {
                    errors.Add($"{key} is not a known key: use MaxAge, ExportFolder or Interval.");
                }
            }
        }

        public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
        {
            var errors = new List<string>();
            foreach (var child in section.GetChildren())
            {
                if (child.Key.Equals(nameof(SqliteStoreOptions.Durability), StringComparison.OrdinalIgnoreCase))
                {
                    if (child.Value is not { } text || !TryParse(text, out _))
                    {
                        errors.Add($"{Prefix}:{child.Key} must be ProcessCrash or PowerLoss.");
                    }
                }
                else if (child.Key.Equals(nameof(SqliteStoreOptions.Path), StringComparison.OrdinalIgnoreCase))
                {
                    if (child.GetChildren().Any())
                    {
                        errors.Add($"{Prefix}:{child.Key} takes a file path, not a section.");
                    }
                }
                else if (child.Key.Equals(RetentionKey, StringComparison.OrdinalIgnoreCase))
                {
                    ValidateRetention(child, errors);
                }
                else
                {
                    errors.Add($"{Prefix}:{child.Key} is not a known key: use Path, Durability or Retention.");
                }
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        private static bool TryParse(string text, out SqliteDurability durability) =>
            Enum.TryParse(text, ignoreCase: false, out durability) && Enum.IsDefined(durability) && !char.IsDigit(text.TrimStart()[0]) && !text.TrimStart().StartsWith('-');
    }
}
