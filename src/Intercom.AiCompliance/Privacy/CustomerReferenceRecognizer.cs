using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// The workspace's own references: company names and aliases (with or without Inc./Ltd./LLC/GmbH..., any punctuation
/// or line breaks between words, any case), its domains, and its postal addresses (with common abbreviations).
/// </summary>
/// <remarks>
/// A vectorised search for the first word of each name or address (and for each domain) finds the few places where one
/// can start; the full pattern is then matched only there, anchored.
/// </remarks>
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
        AddDomains(patterns.Domain, text, matches);
        Add(patterns.Address, text, PersonalDataKind.Address, matches);
    }

    private static void Add(Anchored? pattern, string text, PersonalDataKind kind, ICollection<PersonalDataMatch> matches)
    {
        if (pattern is null)
        {
            return;
        }

        var s = text.AsSpan();
        var i = 0;
        while (i < s.Length)
        {
            var k = s[i..].IndexOfAny(pattern.Starts);
            if (k < 0)
            {
                return;
            }

            i += k;
            var next = i + 1;
            foreach (var m in pattern.Regex.EnumerateMatches(s, i))
            {
                matches.Add(new(m.Index, m.Length, kind));
                next = m.Index + Math.Max(m.Length, 1);
                break;
            }

            i = next;
        }
    }

    private static void AddDomains(Domains? domains, string text, ICollection<PersonalDataMatch> matches)
    {
        if (domains is null)
        {
            return;
        }

        var s = text.AsSpan();
        var i = 0;
        while (i < s.Length)
        {
            var k = s[i..].IndexOfAny(domains.Search);
            if (k < 0)
            {
                return;
            }

            i += k;
            var length = 0;
            foreach (var domain in domains.Values)
            {
                if (s[i..].StartsWith(domain, StringComparison.OrdinalIgnoreCase) && domain.Length > length)
                {
                    length = domain.Length;
                }
            }

            var end = i + length;

            // The domain must end the host name and start at a label boundary.
            if (length == 0 || (end < s.Length && (char.IsLetterOrDigit(s[end]) || s[end] is '-' or '_'))
                || (i > 0 && (char.IsLetterOrDigit(s[i - 1]) || s[i - 1] is '-' or '_')))
            {
                i++;
                continue;
            }

            // Subdomains in front: support.acme.com.
            var start = i;
            while (start > 1 && s[start - 1] == '.')
            {
                var label = start - 1;
                while (label > 0 && (char.IsLetterOrDigit(s[label - 1]) || s[label - 1] is '-' or '_'))
                {
                    label--;
                }

                if (label == start - 1)
                {
                    break;
                }

                start = label;
            }

            if (start > 0 && s[start - 1] is '.' or '-')
            {
                i = end;
                continue;
            }

            matches.Add(new(start, end - start, PersonalDataKind.Domain));
            i = end;
        }
    }

    private static Patterns Build(CustomerReferences references)
    {
        var companyNames = references.CompanyNames.Select(n => (Words: Words(n).ToList(), Pattern: CompanyPattern(n))).Where(p => p.Pattern is not null).ToArray();
        var companies = companyNames.Select(p => p.Pattern!).OrderByDescending(p => p.Length).Distinct().ToArray();
        var domains = references.Domains.Where(d => !string.IsNullOrWhiteSpace(d))
            .Select(d => d.Trim().TrimStart('@').ToLowerInvariant()).Distinct().ToArray();
        var addressList = references.PostalAddresses.Select(a => (Words: Words(a).ToList(), Pattern: AddressPattern(a))).Where(p => p.Pattern is not null).ToArray();
        var addresses = addressList.Select(p => p.Pattern!).Distinct().ToArray();

        return new Patterns(
            Compile(companies.Length == 0 ? null : $@"\G(?<![\p{{L}}\p{{N}}])(?:{string.Join("|", companies)}){LegalSuffix}(?![\p{{L}}\p{{N}}])",
                companyNames.Select(p => p.Words[0])),
            domains.Length == 0 ? null : new Domains(domains, SearchValues.Create(domains, StringComparison.OrdinalIgnoreCase)),
            Compile(addresses.Length == 0 ? null : $@"\G(?<![\p{{L}}\p{{N}}])(?:{string.Join("|", addresses)})(?![\p{{L}}\p{{N}}])",
                addressList.Select(p => p.Words[0])));
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

    private static Anchored? Compile(string? pattern, IEnumerable<string> firstWords) => pattern is null
        ? null
        : new Anchored(
            new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1)),
            SearchValues.Create(firstWords.Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), StringComparison.OrdinalIgnoreCase));

    private sealed record Anchored(Regex Regex, SearchValues<string> Starts);

    private sealed record Domains(string[] Values, SearchValues<string> Search);

    private sealed record Patterns(Anchored? Company, Domains? Domain, Anchored? Address);
}
