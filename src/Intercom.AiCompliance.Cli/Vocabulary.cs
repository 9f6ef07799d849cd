using System.CommandLine;
using System.CommandLine.Parsing;

namespace Intercom.AiCompliance.Cli;

/// <summary>
/// Options over the package's named vocabularies (products, capabilities, purposes, knowledge sources). A value is
/// exactly one of the names, case-insensitively: never a number, never the "unknown" zero value, and never a
/// comma-joined list, which <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/> would OR into another value.
/// </summary>
internal static class Vocabulary
{
    public static Option<T> Single<T>(string name, string description, bool required)
        where T : struct, Enum
    {
        var names = Names<T>();
        var option = new Option<T>(name)
        {
            Description = $"{description} One of: {string.Join(", ", names)}.",
            HelpName = typeof(T).Name.ToUpperInvariant(),
            Required = required,
            CustomParser = r => Parse<T>(r, name, names).FirstOrDefault(),
        };
        option.CompletionSources.Add(names);
        return option;
    }

    public static Option<T[]> Many<T>(string name, string description)
        where T : struct, Enum
    {
        var names = Names<T>();
        var option = new Option<T[]>(name)
        {
            Description = $"{description} One of: {string.Join(", ", names)}.",
            HelpName = typeof(T).Name.ToUpperInvariant(),
            CustomParser = r => Parse<T>(r, name, names),
        };
        option.CompletionSources.Add(names);
        return option;
    }

    /// <summary>The names a user may give: every defined name but the zero value (Unknown, None, Undeclared).</summary>
    private static string[] Names<T>()
        where T : struct, Enum =>
        Enum.GetValues<T>().Where(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) != 0).Select(v => v.ToString()).ToArray();

    private static T[] Parse<T>(ArgumentResult result, string name, string[] names)
        where T : struct, Enum
    {
        var values = new List<T>();
        foreach (var token in result.Tokens)
        {
            var match = names.FirstOrDefault(n => string.Equals(n, token.Value.Trim(), StringComparison.OrdinalIgnoreCase));
            if (match is not null)
            {
                values.Add(Enum.Parse<T>(match));
                continue;
            }

            var joined = token.Value.Contains(',', StringComparison.Ordinal)
                ? $" Give one value per {name}{(result.Argument.Arity.MaximumNumberOfValues > 1 ? $" and repeat {name} for more" : "")}."
                : "";
            result.AddError($"{name} '{token.Value}' is not known: use one of {string.Join(", ", names)}.{joined}");
        }

        return [.. values];
    }
}
