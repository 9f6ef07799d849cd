using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Intercom.AiCompliance.DependencyInjection;

/// <summary>The problems the strict reader found for each options instance, for the validator to report.</summary>
internal sealed class ConfigurationProblems
{
    private readonly ConditionalWeakTable<AiComplianceOptions, List<ConfigurationProblem>> _byOptions = new();

    public void Record(AiComplianceOptions options, IEnumerable<ConfigurationProblem> problems)
    {
        var list = _byOptions.GetOrCreateValue(options);
        lock (list)
        {
            list.AddRange(problems);
        }
    }

    public IReadOnlyList<ConfigurationProblem> For(AiComplianceOptions options)
    {
        if (!_byOptions.TryGetValue(options, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }
}

/// <summary>Fills <see cref="AiComplianceOptions"/> from a configuration section with <see cref="StrictConfigurationReader"/>.</summary>
internal sealed class StrictConfigureOptions(IConfiguration section, ConfigurationProblems problems) : IConfigureNamedOptions<AiComplianceOptions>
{
    public void Configure(string? name, AiComplianceOptions options)
    {
        if (name is null || name == Options.DefaultName)
        {
            Configure(options);
        }
    }

    public void Configure(AiComplianceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reader = new StrictConfigurationReader();
        reader.Populate(options, ConfigurationTree.Read(section));
        problems.Record(options, reader.Problems);
    }
}

/// <summary>
/// Tells the options monitor that the configuration changed only once the changed configuration has passed validation.
/// </summary>
/// <remarks>
/// Without this, a reload with a mistake would make every later read of the options throw (and can surface as an
/// unhandled exception on the file watcher's thread). Here an invalid reload is logged with every key at fault and
/// ignored: the last valid options, and so the last valid workspace profiles, stay in force. Nothing falls back to a
/// default.
/// </remarks>
internal sealed class ValidatedReloadTokenSource : IOptionsChangeTokenSource<AiComplianceOptions>, IDisposable
{
    private readonly IServiceProvider _services;
    private readonly IConfiguration _section;
    private readonly IDisposable _subscription;
    private readonly Dictionary<string, string> _readAtStart;
    private CancellationTokenSource _cts = new();

    public ValidatedReloadTokenSource(IConfiguration section, IServiceProvider services)
    {
        _services = services;
        _section = section;
        _readAtStart = ReadOnceSettings(section);
        _subscription = ChangeToken.OnChange(section.GetReloadToken, OnConfigurationChanged);
    }

    /// <summary>
    /// The settings read once, when the router, catalogue and audit trail are built (everything but the workspace
    /// profiles), as text per top-level key, to tell a reload that changes them.
    /// </summary>
    private static Dictionary<string, string> ReadOnceSettings(IConfiguration section)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in ConfigurationTree.Read(section).Children.Values)
        {
            if (!child.Key.Equals(nameof(AiComplianceOptions.Workspaces), StringComparison.OrdinalIgnoreCase))
            {
                var text = new System.Text.StringBuilder();
                Append(child, text);
                result[child.Key] = text.ToString();
            }
        }

        return result;

        static void Append(ConfigurationNode node, System.Text.StringBuilder text)
        {
            text.Append(node.Path.ToUpperInvariant()).Append('=').Append(node.Value).Append('\n');
            foreach (var child in node.Children.Values.OrderBy(c => c.Key, StringComparer.OrdinalIgnoreCase))
            {
                Append(child, text);
            }
        }
    }

    public string Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _cts).Token);

    public void Dispose()
    {
        _subscription.Dispose();
        _cts.Dispose();
    }

    private void OnConfigurationChanged()
    {
        var logger = _services.GetService<ILogger<ValidatedReloadTokenSource>>();
        try
        {
            // A trial build runs every configure step and validator; it throws when the new configuration is not valid.
            _ = _services.GetRequiredService<IOptionsFactory<AiComplianceOptions>>().Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            if (logger is not null)
            {
                ConfigurationLog.ReloadRejected(logger, ex.Failures.Count(), string.Join(" | ", ex.Failures));
            }

            return;
        }

        var previous = Interlocked.Exchange(ref _cts, new CancellationTokenSource());
        previous.Cancel();
        previous.Dispose();

        // Only the workspace profiles follow a reload; say so when anything else changed, rather than seem to apply it.
        var now = ReadOnceSettings(_section);
        var changed = _readAtStart.Keys.Union(now.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(k => !_readAtStart.TryGetValue(k, out var a) || !now.TryGetValue(k, out var b) || a != b)
            .Order(StringComparer.OrdinalIgnoreCase)
            .Select(k => $"{AiComplianceOptions.SectionName}:{k}")
            .ToList();
        if (changed.Count > 0 && logger is not null)
        {
            ConfigurationLog.ReloadNotApplied(logger, string.Join(", ", changed));
        }
    }
}

/// <summary>Log messages about configuration. Arguments are keys and ids, never workspace data.</summary>
internal static partial class ConfigurationLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "The reloaded AiCompliance configuration has {Count} error(s) and was ignored; the last valid configuration stays in force: {Errors}")]
    public static partial void ReloadRejected(ILogger logger, int count, string errors);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "The reloaded AiCompliance configuration changes {Keys}: these are read once at start and take effect only after a restart; the running router, catalogue and audit trail keep the values they started with (workspace profiles follow reloads at once)")]
    public static partial void ReloadNotApplied(ILogger logger, string keys);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "{Key} '{Id}' mixes letters of different scripts (a lookalike such as a Cyrillic 'а' in a Latin id?): check that it is spelt as intended")]
    public static partial void MixedScriptId(ILogger logger, string key, string id);
}
