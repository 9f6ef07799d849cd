namespace Intercom.AiCompliance.Cli;

/// <summary>A small, strict parser: positional words, <c>--name value</c> options and <c>--flag</c> switches.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Arguments(IReadOnlyList<string> args, IReadOnlySet<string> flagNames)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                Positional.Add(a);
                continue;
            }

            var name = a[2..];
            if (flagNames.Contains(name))
            {
                _flags.Add(name);
                continue;
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"--{name} needs a value.");
            }

            if (!_options.TryGetValue(name, out var values))
            {
                _options[name] = values = [];
            }

            values.Add(args[++i]);
        }
    }

    public List<string> Positional { get; } = [];

    public bool Flag(string name)
    {
        _used.Add(name);
        return _flags.Contains(name);
    }

    public string? Option(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var v) ? v[^1] : null;
    }

    public IReadOnlyList<string> Options(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var v) ? v : [];
    }

    public string Required(string name) => Option(name) ?? throw new UsageException($"--{name} is required.");

    public T Enum<T>(string name, T? fallback = null)
        where T : struct, System.Enum
    {
        var value = Option(name);
        if (value is null)
        {
            return fallback ?? throw new UsageException($"--{name} is required: one of {string.Join(", ", System.Enum.GetNames<T>().Skip(1))}.");
        }

        return System.Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed)
            ? parsed
            : throw new UsageException($"--{name} '{value}' is not known: use one of {string.Join(", ", System.Enum.GetNames<T>().Skip(1))}.");
    }

    /// <summary>Rejects options nobody asked for, so a typo is an error rather than silently ignored.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _options.Keys.Concat(_flags).Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}. See 'aicompliance --help'.");
        }
    }
}
