using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// The workspace's own references: company names and aliases (with or without Inc./Ltd./LLC/GmbH..., any punctuation
/// or line breaks between words, any case), its domains, and its postal addresses (with common abbreviations).
/// </summary>
public sealed class CustomerReferenceRecognizer : IPersonalDataRecognizer
{
    private const string Gap = @"[\s\p{P}]*";
    private const string LegalSuffix = @"(?:" + Gap + @"(?:inc|incorporated|ltd|limited|llc|l\.l\.c|gmbh|ag|sa|sas|bv|plc|corp|corporation|co|company|pty)\b\.?)?";
    private static readonly HashSet<string> Suffixes = new(StringComparer.OrdinalIgnoreCase)
    {
        "inc", "incorporated", "ltd", "limited", "llc", "gmbh", "ag", "sa", "sas", "bv", "plc", "corp", "corporation", "co", "company", "pty",
    };

    private static readonly Dictionary<string, string> AddressVariants = new(StringComparer.OrdinalIgnoreCase)
    {
        ["street"] = "street|st", ["st"] = "street|st", ["avenue"] = "avenue|ave|av", ["ave"] = "avenue|ave|av",
        ["road"] = "road|rd", ["rd"] = "road|rd", ["suite"] = "suite|ste", ["ste"] = "suite|ste",
        ["boulevard"] = "boulevard|blvd", ["blvd"] = "boulevard|blvd", ["drive"] = "drive|dr", ["dr"] = "drive|dr",
        ["floor"] = "floor|fl", ["fl"] = "floor|fl", ["lane"] = "lane|ln", ["ln"] = "lane|ln", ["square"] = "square|sq", ["sq"] = "square|sq",
        ["strasse"] = "strasse|straße|str", ["straße"] = "strasse|straße|str", ["str"] = "strasse|straße|str",
    };

    private readonly ConditionalWeakTable<CustomerReferences, Patterns> _cache = new();

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(matches);
        var patterns = _cache.GetValue(context.Customer, Build);
        Add(patterns.Company, text, PersonalDataKind.Company, matches);
        Add(patterns.Domain, text, PersonalDataKind.Domain, matches);
        Add(patterns.Address, text, PersonalDataKind.Address, matches);
    }

    private static void Add(Regex? regex, string text, PersonalDataKind kind, ICollection<PersonalDataMatch> matches)
    {
        if (regex is null)
        {
            return;
        }

        foreach (var m in regex.EnumerateMatches(text))
        {
            matches.Add(new(m.Index, m.Length, kind));
        }
    }

    private static Patterns Build(CustomerReferences references)
    {
        var companies = references.CompanyNames
            .Select(CompanyPattern).Where(p => p is not null)
            .OrderByDescending(p => p!.Length).Distinct().ToArray();
        var domains = references.Domains.Where(d => !string.IsNullOrWhiteSpace(d))
            .Select(d => Regex.Escape(d.Trim().TrimStart('@').ToLowerInvariant())).Distinct().ToArray();
        var addresses = references.PostalAddresses.Select(AddressPattern).Where(p => p is not null).Distinct().ToArray();

        return new Patterns(
            Compile(companies.Length == 0 ? null : $@"(?<![\p{{L}}\p{{N}}])(?:{string.Join("|", companies)}){LegalSuffix}(?![\p{{L}}\p{{N}}])"),
            Compile(domains.Length == 0 ? null : $@"(?<![\w.-])(?:[\w-]+\.)*(?:{string.Join("|", domains)})(?![\w-])"),
            Compile(addresses.Length == 0 ? null : $@"(?<![\p{{L}}\p{{N}}])(?:{string.Join("|", addresses)})(?![\p{{L}}\p{{N}}])"));
    }

    private static string? CompanyPattern(string? name)
    {
        var words = Words(name).ToList();
        while (words.Count > 1 && Suffixes.Contains(words[^1]))
        {
            words.RemoveAt(words.Count - 1);
        }

        return words.Count == 0 || (words.Count == 1 && words[0].Length < 2) ? null : string.Join(Gap, words.Select(Regex.Escape));
    }

    private static string? AddressPattern(string? address)
    {
        var words = Words(address).ToList();
        if (words.Count < 2)
        {
            return null;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < words.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(Gap);
            }

            sb.Append(AddressVariants.TryGetValue(words[i], out var variants)
                ? $"(?:{string.Join("|", variants.Split('|').Select(Regex.Escape))})\\.?"
                : Regex.Escape(words[i]));
        }

        return sb.ToString();
    }

    private static IEnumerable<string> Words(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : Regex.Split(text, @"[\s\p{P}]+").Where(w => w.Length > 0);

    private static Regex? Compile(string? pattern) => pattern is null
        ? null
        : new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1));

    private sealed record Patterns(Regex? Company, Regex? Domain, Regex? Address);
}
