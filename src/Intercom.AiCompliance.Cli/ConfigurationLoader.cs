using System.Text.Json;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Cli;

/// <summary>The host's configuration file, loaded and validated exactly as at the host's start (strict: a bad key exits 2 naming it).</summary>
internal sealed record LoadedConfiguration(RoutingPlanner Planner, AiComplianceOptions Options)
{
    /// <summary>The SQLite database of the host (<c>AiComplianceSqlite:Path</c>), when the configuration names one.</summary>
    public string? SqlitePath { get; init; }

    /// <summary>
    /// The regions this configuration knows: the platform's (US, EU, AU), every processing region of the catalogue and
    /// every configured workspace's hosting region. A syntactically valid code outside them (Mars) is a typo, not a plan.
    /// </summary>
    public IReadOnlyList<Region> KnownRegions { get; } =
        new[] { Region.US, Region.EU, Region.AU }
            .Concat(Planner.Catalog.Deployments.SelectMany(d => d.ProcessingRegions))
            .Concat(Options.Workspaces.Select(w => w.HostingRegion))
            .Where(r => !r.IsUnknown)
            .Distinct()
            .Order()
            .ToArray();

    public Region RequireKnownRegion(Region region, string option) =>
        KnownRegions.Contains(region)
            ? region
            : throw new UsageException($"{option} '{region}' is not a region this configuration knows: use one of {string.Join(", ", KnownRegions)} (the platform's regions, the catalogue's processing regions and the workspaces' hosting regions).");
}

/// <summary>Loads the host's configuration file for the tool.</summary>
internal static class ConfigurationLoader
{
    public static LoadedConfiguration Load(string configPath)
    {
        var full = Path.GetFullPath(configPath);
        if (!File.Exists(full))
        {
            throw new UsageException($"configuration file '{configPath}' does not exist: pass --config PATH to the host's appsettings.json.");
        }

        IConfigurationRoot config;
        try
        {
            config = new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build();
        }
        catch (InvalidDataException ex)
        {
            throw new UsageException(Describe(ex, configPath));
        }

        var services = new ServiceCollection();
        services.AddAiCompliance(config.GetSection(AiComplianceOptions.SectionName));
        using var provider = services.BuildServiceProvider();
        try
        {
            var options = provider.GetRequiredService<IOptions<AiComplianceOptions>>().Value;
            return new LoadedConfiguration(provider.GetRequiredService<RoutingPlanner>(), options)
            {
                SqlitePath = config["AiComplianceSqlite:Path"] is { Length: > 0 } sqlite ? sqlite : null,
            };
        }
        catch (OptionsValidationException ex)
        {
            throw new UsageException($"configuration '{configPath}' is invalid:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", ex.Failures)}");
        }
        catch (InvalidOperationException ex)
        {
            throw new UsageException($"configuration '{configPath}' could not be bound: {ex.Message}");
        }
    }

    /// <summary>
    /// Why the JSON provider refused the file: a syntax error with its line, or a key given twice in one object
    /// (configuration keys are case-insensitive, so "Region" and "region" collide), named with its full path.
    /// </summary>
    private static string Describe(InvalidDataException ex, string configPath)
    {
        JsonException? json = null;
        for (Exception? e = ex; e is not null && json is null; e = e.InnerException)
        {
            json = e as JsonException;
        }

        if (json is null && DuplicateKey(configPath) is { } duplicate)
        {
            return $"configuration file '{configPath}' has the key {duplicate}: a key may appear once in an object (keys are case-insensitive); remove one of them.";
        }

        var where = json?.LineNumber is { } line ? $" at line {line + 1}, position {json.BytePositionInLine + 1}" : "";
        return $"configuration file '{configPath}' is not valid JSON{where}: fix the syntax there.";
    }

    /// <summary>The first key repeated in one object, as "'Name' twice at Path:To:Name (line N)"; null if none.</summary>
    internal static string? DuplicateKey(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var frames = new Stack<Frame>();
        try
        {
            while (reader.Read())
            {
                var top = frames.Count > 0 ? frames.Peek() : null;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        frames.Push(new Frame(ChildPath(top), reader.TokenType == JsonTokenType.StartObject));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.Pop();
                        break;
                    case JsonTokenType.PropertyName when top is not null:
                        var name = reader.GetString() ?? string.Empty;
                        if (!top.Keys!.Add(name))
                        {
                            var line = 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
                            return $"'{name}' twice at {Join(top.Path, name)} (line {line})";
                        }

                        top.Pending = name;
                        break;
                    default:
                        _ = ChildPath(top);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    private static string ChildPath(Frame? parent) => parent switch
    {
        null => string.Empty,
        { Keys: not null } => Join(parent.Path, parent.Pending ?? string.Empty),
        _ => Join(parent.Path, (parent.Index++).ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static string Join(string parent, string name) => parent.Length == 0 ? name : parent + ":" + name;

    private sealed class Frame(string path, bool isObject)
    {
        public string Path { get; } = path;

        public HashSet<string>? Keys { get; } = isObject ? new(StringComparer.OrdinalIgnoreCase) : null;

        public string? Pending { get; set; }

        public int Index { get; set; }
    }
}
