using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Intercom.AiCompliance.DependencyInjection;

/// <summary>One key of a configuration section with its value and children, read once from the providers.</summary>
internal sealed class ConfigurationNode(string key, string path)
{
    private static readonly Dictionary<string, ConfigurationNode> NoChildren = new(StringComparer.OrdinalIgnoreCase);

    // Most nodes are leaves: their dictionary is only made when a first child arrives.
    private Dictionary<string, ConfigurationNode>? _children;

    /// <summary>The last segment of the key, as written.</summary>
    public string Key { get; } = key;

    /// <summary>The full key, such as <c>AiCompliance:Catalog:Deployments:3</c>.</summary>
    public string Path { get; } = path;

    /// <summary>The value; <see langword="null"/> when the key only has children, or holds an empty JSON array or object.</summary>
    public string? Value { get; set; }

    /// <summary>The child keys, case-insensitive like configuration itself.</summary>
    public IReadOnlyDictionary<string, ConfigurationNode> Children => _children ?? NoChildren;

    /// <summary>The child for the segment of <paramref name="fullKey"/> that ends at <paramref name="end"/>, made if new.</summary>
    public ConfigurationNode Child(string fullKey, int start, int end)
    {
        _children ??= new(StringComparer.OrdinalIgnoreCase);
        var segment = fullKey.AsSpan(start, end - start);
        var lookup = _children.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(segment, out var child))
        {
            var name = segment.ToString();
            child = new ConfigurationNode(name, fullKey[..end]);
            _children[name] = child;
        }

        return child;
    }

    /// <summary>The child named <paramref name="segment"/>, made if new (for the walk, which gets keys one by one).</summary>
    public ConfigurationNode Child(string segment) =>
        Child(Path.Length == 0 ? segment : Path + ConfigurationPath.KeyDelimiter + segment, Path.Length == 0 ? 0 : Path.Length + 1, Path.Length == 0 ? segment.Length : Path.Length + 1 + segment.Length);
}

/// <summary>
/// Reads every key under a configuration section in time linear in the number of keys.
/// </summary>
/// <remarks>
/// <see cref="IConfiguration.GetChildren"/> asks every provider to scan all of its keys, so any walk of a section (the
/// configuration binder's included) costs keys × sections: about 8 s for a 2,000-deployment catalogue and four times
/// that for twice the size. Here the keys of each provider are read in one pass instead: for the providers derived from
/// <see cref="ConfigurationProvider"/> (JSON, in-memory, environment, command line, ini, XML, user secrets) through its
/// <c>Data</c>, for a chained configuration through its providers. Any other provider falls back to the walk, which is
/// correct but slower. Later providers override earlier ones, as <see cref="IConfigurationRoot"/> does.
/// </remarks>
internal static class ConfigurationTree
{
    private static readonly PropertyInfo? ProviderData =
        typeof(ConfigurationProvider).GetProperty("Data", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>Reads <paramref name="configuration"/> (a section or a root) into a tree of nodes.</summary>
    public static ConfigurationNode Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var prefix = configuration is IConfigurationSection section ? section.Path : string.Empty;
        var key = prefix.Length == 0 ? string.Empty : ConfigurationPath.GetSectionKey(prefix);
        var root = new ConfigurationNode(key, prefix);
        if (RootOf(configuration) is { } configurationRoot && TryReadFlat(configurationRoot, prefix, root, depth: 0))
        {
            return root;
        }

        root = new ConfigurationNode(key, prefix);
        Walk(configuration, root);
        return root;
    }

    private static void Insert(ConfigurationNode root, string prefix, string key, string? value)
    {
        var node = root;
        var start = prefix.Length == 0 ? 0 : prefix.Length + 1;
        while (start <= key.Length)
        {
            var end = key.IndexOf(':', start);
            if (end < 0)
            {
                end = key.Length;
            }

            node = node.Child(key, start, end);
            start = end + 1;
        }

        node.Value = value;
    }

    private static bool TryReadFlat(IConfigurationRoot root, string prefix, ConfigurationNode tree, int depth)
    {
        if (ProviderData is null || depth > 8)
        {
            return false;
        }

        foreach (var provider in root.Providers)
        {
            switch (provider)
            {
                case ConfigurationProvider p when AnswersFromData(p.GetType()) && ProviderData.GetValue(p) is IDictionary<string, string?> data:
                    foreach (var (key, value) in data)
                    {
                        if (prefix.Length == 0
                            || (key.Length > prefix.Length && key[prefix.Length] == ':' && key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
                        {
                            Insert(tree, prefix, key, value);
                        }
                        else if (key.Equals(prefix, StringComparison.OrdinalIgnoreCase) && value is not null)
                        {
                            // A value at the section itself (AiCompliance = "x") is kept so it can be reported.
                            tree.Value = value;
                        }
                    }

                    break;
                case ChainedConfigurationProvider { Configuration: IConfigurationRoot inner }:
                    if (!TryReadFlat(inner, prefix, tree, depth + 1))
                    {
                        return false;
                    }

                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether the provider answers from its <c>Data</c> as stored. One that overrides <c>TryGet</c> or
    /// <c>GetChildKeys</c> (to decrypt secrets or resolve placeholders, say) may answer otherwise, so it is walked.
    /// </summary>
    private static bool AnswersFromData(Type type) => DataProviders.GetOrAdd(type, static t =>
        t.GetMethod(nameof(ConfigurationProvider.TryGet), [typeof(string), typeof(string).MakeByRefType()])?.DeclaringType == typeof(ConfigurationProvider)
        && t.GetMethod(nameof(ConfigurationProvider.GetChildKeys), [typeof(IEnumerable<string>), typeof(string)])?.DeclaringType == typeof(ConfigurationProvider));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, bool> DataProviders = new();

    private static IConfigurationRoot? RootOf(IConfiguration configuration)
    {
        if (configuration is IConfigurationRoot root)
        {
            return root;
        }

        // ConfigurationSection keeps its root privately; without it the walk below is used.
        return configuration is ConfigurationSection
            ? typeof(ConfigurationSection).GetField("_root", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(configuration) as IConfigurationRoot
            : null;
    }

    private static void Walk(IConfiguration configuration, ConfigurationNode node)
    {
        foreach (var child in configuration.GetChildren())
        {
            var n = node.Child(child.Key);
            n.Value = child.Value;
            Walk(child, n);
        }
    }

    /// <summary>For tests: whether the fast path can read <paramref name="configuration"/>.</summary>
    internal static bool CanReadInOnePass(IConfiguration configuration) =>
        RootOf(configuration) is { } root && TryReadFlat(root, string.Empty, new ConfigurationNode(string.Empty, string.Empty), 0);
}
