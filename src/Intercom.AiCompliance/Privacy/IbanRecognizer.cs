

namespace Intercom.AiCompliance.Privacy;

/// <summary>IBANs with a known country length (or 15 to 34 characters otherwise) that pass the ISO 13616 mod-97 check.</summary>
public sealed class IbanRecognizer : IPersonalDataRecognizer
{
    private static readonly Dictionary<string, int> Lengths = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AT"] = 20, ["BE"] = 16, ["CH"] = 21, ["CZ"] = 24, ["DE"] = 22, ["DK"] = 18, ["ES"] = 24, ["FI"] = 18, ["FR"] = 27,
        ["GB"] = 22, ["IE"] = 22, ["IT"] = 27, ["LU"] = 20, ["NL"] = 18, ["NO"] = 15, ["PL"] = 28, ["PT"] = 25, ["SE"] = 24,
    };

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        foreach (var m in PersonalDataPatterns.IbanCandidate().EnumerateMatches(text))
        {
            // The candidate may run into following words ("... 7654 32 today"): drop trailing groups until it validates.
            var candidate = text.AsSpan(m.Index, m.Length);
            while (candidate.Length >= 15)
            {
                if (IsValid(candidate.ToString().Replace(" ", "", StringComparison.Ordinal)))
                {
                    matches.Add(new(m.Index, candidate.Length, PersonalDataKind.Iban));
                    break;
                }

                var lastSpace = candidate.LastIndexOf(' ');
                if (lastSpace < 0)
                {
                    break;
                }

                candidate = candidate[..lastSpace];
            }
        }
    }

    /// <summary>Whether <paramref name="iban"/> (without spaces) has the right length for its country and passes mod-97.</summary>
    public static bool IsValid(string iban)
    {
        ArgumentNullException.ThrowIfNull(iban);
        if (iban.Length is < 15 or > 34 || !char.IsAsciiLetter(iban[0]) || !char.IsAsciiLetter(iban[1]))
        {
            return false;
        }

        if (Lengths.TryGetValue(iban[..2], out var expected) && iban.Length != expected)
        {
            return false;
        }

        var rearranged = iban[4..] + iban[..4];
        var remainder = 0;
        foreach (var c in rearranged)
        {
            int value;
            if (char.IsAsciiDigit(c))
            {
                value = c - '0';
                remainder = ((remainder * 10) + value) % 97;
            }
            else if (char.IsAsciiLetter(c))
            {
                value = char.ToUpperInvariant(c) - 'A' + 10;
                remainder = ((remainder * 100) + value) % 97;
            }
            else
            {
                return false;
            }
        }

        return remainder == 1;
    }
}
