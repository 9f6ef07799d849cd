using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.DependencyInjection;

/// <summary>One problem found while reading configuration: the key it concerns and what is wrong with it.</summary>
internal readonly record struct ConfigurationProblem(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>
/// Reads a configuration section into an options object and refuses everything the configuration binder would drop,
/// misread or default in silence: a key no option type declares, a list item or value that does not convert, an
/// enum given as a number or an undefined name, a region that is not offered, a control character in a value, and a
/// missing fact that a promise depends on.
/// </summary>
/// <remarks>
/// The known keys are the public settable properties of the option types, found by reflection, so a property added to
/// an options class is read and checked without any change here. The reader visits each key once, so its cost is
/// linear in the size of the section.
/// </remarks>
internal sealed class StrictConfigurationReader
{
    /// <summary>The regions a workspace may be hosted in and a deployment may process in, as configuration states them.</summary>
    public static readonly IReadOnlyList<Region> KnownRegions = [Region.US, Region.EU, Region.AU];

    /// <summary>Facts that must be stated for each object of the type: no default may stand in for them.</summary>
    private static readonly Dictionary<Type, string[]> RequiredFacts = new()
    {
        [typeof(WorkspaceComplianceProfile)] =
        [
            nameof(WorkspaceComplianceProfile.HostingRegion),
            nameof(WorkspaceComplianceProfile.ContractType),
            nameof(WorkspaceComplianceProfile.HandlesHealthData),
        ],
    };

    /// <summary>Types whose strings are free text as written in a customer's records (postal addresses span lines).</summary>
    private static readonly HashSet<Type> FreeTextTypes = [typeof(CustomerReferences)];

    private static readonly ConcurrentDictionary<Type, Dictionary<string, PropertyInfo>> PropertyCache = new();

    private static readonly HashSet<Type> Scalars =
    [
        typeof(string), typeof(bool), typeof(int), typeof(long), typeof(short), typeof(byte), typeof(uint), typeof(ulong),
        typeof(double), typeof(float), typeof(decimal), typeof(TimeSpan), typeof(DateTimeOffset), typeof(DateTime),
        typeof(Guid), typeof(Uri), typeof(Region), typeof(byte[]),
    ];

    private readonly List<ConfigurationProblem> _problems = [];

    /// <summary>Every problem found, in the order of the keys.</summary>
    public IReadOnlyList<ConfigurationProblem> Problems => _problems;

    /// <summary>Reads <paramref name="node"/> into <paramref name="target"/>, keeping its values for keys that are absent.</summary>
    public void Populate(object target, ConfigurationNode node)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(node);
        if (node.Value is { Length: > 0 } && node.Children.Count == 0)
        {
            Problem(node.Path, $"takes a section ({KnownKeys(target.GetType())}), not a single value.");
            return;
        }

        ReadObjectInto(target, node, node.Path, freeText: false);
    }

    private void Problem(string key, string message) => _problems.Add(new(key, message));

    private bool TryRead(Type type, ConfigurationNode node, string path, object? existing, bool freeText, out object? value)
    {
        value = null;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(underlying))
        {
            if (node.Children.Count > 0)
            {
                Problem(path, $"takes a single value ({Accepted(underlying)}), not a section.");
                return false;
            }

            if (string.IsNullOrEmpty(node.Value))
            {
                Problem(path, $"is empty: give {Accepted(underlying)}, or remove the key to use the default.");
                return false;
            }

            return TryConvert(underlying, node, path, freeText, out value);
        }

        if (DictionaryTypes(type) is { } kv)
        {
            return TryReadDictionary(kv.Key, kv.Value, node, path, existing, freeText, out value);
        }

        if (ElementType(type) is { } element)
        {
            return TryReadList(type, element, node, path, existing, freeText, out value);
        }

        if (type.IsClass && type.GetConstructor(Type.EmptyTypes) is not null)
        {
            if (node.Value is { Length: > 0 } && node.Children.Count == 0)
            {
                Problem(path, $"takes a section ({KnownKeys(type)}), not a single value.");
                return false;
            }

            var target = existing ?? Activator.CreateInstance(type)!;
            ReadObjectInto(target, node, path, freeText || FreeTextTypes.Contains(type));
            value = target;
            return true;
        }

        Problem(path, $"cannot be set from configuration (type {type.Name}): set it in code.");
        return false;
    }

    private void ReadObjectInto(object target, ConfigurationNode node, string path, bool freeText)
    {
        var type = target.GetType();
        var properties = Properties(type);
        foreach (var child in node.Children.Values)
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var suggestion = Closest(child.Key, properties.Keys);
                Problem(ConfigurationPathOf(path, child.Key), $"is not a known setting{(suggestion is null ? "" : $" (did you mean '{suggestion}'?)")}: the settings here are {string.Join(", ", properties.Values.Select(p => p.Name))}.");
                continue;
            }

            var existing = property.GetValue(target);
            if (TryRead(property.PropertyType, child, ConfigurationPathOf(path, property.Name), ReuseExisting(property.PropertyType, existing), freeText, out var value))
            {
                property.SetValue(target, value);
            }
        }

        if (RequiredFacts.TryGetValue(type, out var required))
        {
            foreach (var name in required)
            {
                if (!node.Children.ContainsKey(name))
                {
                    Problem(ConfigurationPathOf(path, name), $"is missing: state it ({Accepted(properties[name].PropertyType)}); no default stands in for a fact a promise depends on.");
                }
            }
        }
    }

    private static string ConfigurationPathOf(string parent, string key) => parent.Length == 0 ? key : $"{parent}:{key}";

    /// <summary>Objects are filled in place (so code defaults stay); a mutable list is appended to, like the binder does.</summary>
    private static object? ReuseExisting(Type propertyType, object? existing) =>
        existing is null ? null
        : propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() is var d && (d == typeof(List<>) || d == typeof(Dictionary<,>)) ? existing
        : propertyType.IsClass && !IsScalar(propertyType) && ElementType(propertyType) is null && DictionaryTypes(propertyType) is null ? existing
        : null;

    private bool TryReadList(Type type, Type element, ConfigurationNode node, string path, object? existing, bool freeText, out object? value)
    {
        value = null;
        if (node.Children.Count == 0)
        {
            if (node.Value is { Length: > 0 })
            {
                Problem(path, $"takes a list (in JSON [ ... ]) of {Accepted(element)}, not a single value.");
                return false;
            }
        }

        var items = OrderedItems(node, path);
        if (items is null)
        {
            return false;
        }

        var list = existing as IList ?? (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        var ok = true;
        foreach (var (item, itemPath) in items)
        {
            if (TryRead(element, item, itemPath, null, freeText, out var v))
            {
                list.Add(v);
            }
            else
            {
                ok = false;
            }
        }

        if (!ok)
        {
            return false;
        }

        if (type.IsArray)
        {
            var array = Array.CreateInstance(element, list.Count);
            list.CopyTo(array, 0);
            value = array;
        }
        else
        {
            value = list;
        }

        return true;
    }

    private List<(ConfigurationNode Node, string Path)>? OrderedItems(ConfigurationNode node, string path)
    {
        var indexed = new List<(int Index, ConfigurationNode Node)>(node.Children.Count);
        var ok = true;
        foreach (var child in node.Children.Values)
        {
            if (int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && child.Key == index.ToString(CultureInfo.InvariantCulture))
            {
                indexed.Add((index, child));
            }
            else
            {
                Problem(ConfigurationPathOf(path, child.Key), "is not a list position: the items of a list are numbered 0, 1, 2 and so on.");
                ok = false;
            }
        }

        if (!ok)
        {
            return null;
        }

        indexed.Sort((a, b) => a.Index.CompareTo(b.Index));
        for (var i = 0; i < indexed.Count; i++)
        {
            if (indexed[i].Index != i)
            {
                Problem(ConfigurationPathOf(path, i.ToString(CultureInfo.InvariantCulture)), "is missing: the items of a list are numbered 0, 1, 2 and so on without gaps.");
                return null;
            }
        }

        return indexed.ConvertAll(x => (x.Node, ConfigurationPathOf(path, x.Index.ToString(CultureInfo.InvariantCulture))));
    }

    private bool TryReadDictionary(Type keyType, Type valueType, ConfigurationNode node, string path, object? existing, bool freeText, out object? value)
    {
        value = null;
        if (node.Children.Count == 0 && node.Value is { Length: > 0 })
        {
            Problem(path, $"takes a section keyed by {Accepted(keyType)}, not a single value.");
            return false;
        }

        var dictionary = existing as IDictionary ?? (IDictionary)(keyType == typeof(string)
            ? Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(keyType, valueType), StringComparer.OrdinalIgnoreCase)!
            : Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(keyType, valueType))!);
        var ok = true;
        foreach (var child in node.Children.Values)
        {
            object key;
            if (keyType == typeof(string))
            {
                if (IdentifierText.HasControlCharacters(child.Key))
                {
                    Problem(IdentifierText.Escape(ConfigurationPathOf(path, child.Key)), "holds a control or invisible character in its key: write the key as plain text.");
                    ok = false;
                    continue;
                }

                key = child.Key;
            }
            else if (keyType.IsEnum && TryEnum(keyType, child.Key, out var parsed))
            {
                key = parsed;
            }
            else
            {
                Problem(ConfigurationPathOf(path, child.Key), $"'{child.Key}' is not known here: use {Accepted(keyType)}.");
                ok = false;
                continue;
            }

            if (TryRead(valueType, child, ConfigurationPathOf(path, keyType == typeof(string) ? child.Key : key.ToString()!), null, freeText, out var v))
            {
                dictionary[key] = v;
            }
            else
            {
                ok = false;
            }
        }

        value = dictionary;
        return ok;
    }

    private bool TryConvert(Type type, ConfigurationNode node, string path, bool freeText, out object? value)
    {
        var text = node.Value!;
        value = null;
        if (type != typeof(string) || !freeText)
        {
            if (IdentifierText.HasControlCharacters(text))
            {
                Problem(path, "holds a control or invisible character (such as a NUL, a newline or an ANSI escape): write the value as plain text.");
                return false;
            }
        }

        var inv = CultureInfo.InvariantCulture;
        bool ok;
        if (type == typeof(string))
        {
            value = text;
            return true;
        }

        if (type.IsEnum)
        {
            ok = TryEnum(type, text, out var e);
            value = e;
        }
        else if (type == typeof(Region))
        {
            ok = Region.TryParse(text, out var r) && KnownRegions.Contains(r);
            value = r;
        }
        else if (type == typeof(bool))
        {
            ok = bool.TryParse(text, out var b);
            value = b;
        }
        else if (type == typeof(int))
        {
            ok = int.TryParse(text, NumberStyles.Integer, inv, out var i);
            value = i;
        }
        else if (type == typeof(long))
        {
            ok = long.TryParse(text, NumberStyles.Integer, inv, out var l);
            value = l;
        }
        else if (type == typeof(double))
        {
            ok = double.TryParse(text, NumberStyles.Float, inv, out var d) && double.IsFinite(d);
            value = d;
        }
        else if (type == typeof(TimeSpan))
        {
            ok = TimeSpan.TryParse(text, inv, out var t);
            value = t;
        }
        else if (type == typeof(DateTimeOffset))
        {
            ok = DateTimeOffset.TryParse(text, inv, DateTimeStyles.AssumeUniversal, out var dto);
            value = dto;
        }
        else if (type == typeof(byte[]))
        {
            var buffer = new byte[text.Length];
            ok = Convert.TryFromBase64String(text, buffer, out var written);
            value = ok ? buffer[..written] : null;
        }
        else
        {
            try
            {
                value = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text);
                ok = value is not null;
            }
            catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException)
            {
                ok = false;
            }
        }

        if (!ok)
        {
            Problem(path, $"'{Shown(text)}' is not valid here: use {Accepted(type)}.");
        }

        return ok;
    }

    /// <summary>Only a defined name converts: numbers, combinations and the "not set" member are refused.</summary>
    internal static bool TryEnum(Type type, string text, out object value)
    {
        value = Activator.CreateInstance(type)!;
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed.Contains(',', StringComparison.Ordinal) || !char.IsLetter(trimmed[0]))
        {
            return false;
        }

        foreach (var name in Enum.GetNames(type))
        {
            if (string.Equals(name, trimmed, StringComparison.OrdinalIgnoreCase) && !IsSentinel(type, name))
            {
                value = Enum.Parse(type, name);
                return true;
            }
        }

        return false;
    }

    /// <summary>The zero member that means "not set" (Unknown, None, Undeclared) is never a value a configuration may state.</summary>
    private static bool IsSentinel(Type type, string name) =>
        name is "Unknown" or "None" or "Undeclared" && Convert.ToInt64(Enum.Parse(type, name), CultureInfo.InvariantCulture) == 0;

    /// <summary>What a key of <paramref name="type"/> accepts, for messages.</summary>
    internal static string Accepted(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type).Where(n => !IsSentinel(type, n)));
        }

        return type == typeof(Region) ? $"a region: {string.Join(", ", KnownRegions)}"
            : type == typeof(bool) ? "true or false"
            : type == typeof(int) || type == typeof(long) ? "a whole number"
            : type == typeof(double) ? "a number such as 0.5"
            : type == typeof(TimeSpan) ? "a duration such as 00:00:05"
            : type == typeof(DateTimeOffset) ? "an ISO 8601 instant such as 2026-01-01T00:00:00Z"
            : type == typeof(byte[]) ? "base64 text"
            : type == typeof(string) ? "text"
            : ElementType(type) is { } e ? $"a list of {Accepted(e)}"
            : type.Name;
    }

    private static string Shown(string text) => IdentifierText.Escape(text.Length > 80 ? text[..80] + "..." : text);

    private static bool IsScalar(Type type) =>
        Scalars.Contains(type) || type.IsEnum || type.IsPrimitive
        || (ElementType(type) is null && DictionaryTypes(type) is null && !type.IsClass && type.IsValueType);

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string) || type == typeof(byte[]))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!type.IsGenericType)
        {
            return null;
        }

        var d = type.GetGenericTypeDefinition();
        return d == typeof(List<>) || d == typeof(IList<>) || d == typeof(IReadOnlyList<>) || d == typeof(ICollection<>)
            || d == typeof(IReadOnlyCollection<>) || d == typeof(IEnumerable<>)
            ? type.GetGenericArguments()[0]
            : null;
    }

    private static KeyValuePair<Type, Type>? DictionaryTypes(Type type)
    {
        if (!type.IsGenericType)
        {
            return null;
        }

        var d = type.GetGenericTypeDefinition();
        if (d == typeof(Dictionary<,>) || d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>))
        {
            var args = type.GetGenericArguments();
            return new(args[0], args[1]);
        }

        return null;
    }

    private static Dictionary<string, PropertyInfo> Properties(Type type) =>
        PropertyCache.GetOrAdd(type, t => t.GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true } && p.SetMethod is { IsPublic: true })
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase));

    private static string KnownKeys(Type type) => "settings " + string.Join(", ", Properties(type).Values.Select(p => p.Name));

    private static string? Closest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Distance(key.ToUpperInvariant(), c.ToUpperInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (c, d);
            }
        }

        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
