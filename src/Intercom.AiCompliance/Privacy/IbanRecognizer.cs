namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// IBANs with a known country length (or 15 to 34 characters otherwise) that pass the ISO 13616 mod-97 check, written
/// in one block or in space-separated groups of four (the last may be shorter), in either case. Part of <see cref="StructuredDataRecognizer"/>.
/// </summary>
public sealed class IbanRecognizer : IPersonalDataRecognizer
{
    private static readonly Dictionary<string, int> Lengths = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AT"] = 20, ["BE"] = 16, ["CH"] = 21, ["CZ"] = 24, ["DE"] = 22, ["DK"] = 18, ["ES"] = 24, ["FI"] = 18, ["FR"] = 27,
        ["GB"] = 22, ["IE"] = 22, ["IT"] = 27, ["LU"] = 20, ["NL"] = 18, ["NO"] = 15, ["PL"] = 28, ["PT"] = 25, ["SE"] = 24,
    };

    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> LengthLookup = Lengths.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly StructuredDataRecognizer _scanner = new(StructuredKinds.Iban);

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) => _scanner.Recognize(text, context, matches);

    /// <summary>Whether <paramref name="iban"/> (without spaces) has the right length for its country and passes mod-97.</summary>
    public static bool IsValid(string iban)
    {
        ArgumentNullException.ThrowIfNull(iban);
        return IsValid(iban.AsSpan());
    }

    /// <summary>Whether <paramref name="iban"/> (without spaces) has the right length for its country and passes mod-97.</summary>
    public static bool IsValid(ReadOnlySpan<char> iban)
    {
        if (iban.Length is < 15 or > 34 || !char.IsAsciiLetter(iban[0]) || !char.IsAsciiLetter(iban[1])
            || !char.IsAsciiDigit(iban[2]) || !char.IsAsciiDigit(iban[3]))
        {
            return false;
        }

        if (LengthLookup.TryGetValue(iban[..2], out var expected) && iban.Length != expected)
        {
            return false;
        }

        // Move the first four characters to the end, read letters as 10-35, and take the remainder modulo 97.
        var remainder = 0;
        for (var i = 0; i < iban.Length; i++)
        {
            var c = iban[(i + 4) % iban.Length];
            if (char.IsAsciiDigit(c))
            {
                remainder = ((remainder * 10) + (c - '0')) % 97;
            }
            else if (char.IsAsciiLetter(c))
            {
                remainder = ((remainder * 100) + (char.ToUpperInvariant(c) - 'A' + 10)) % 97;
            }
            else
            {
                return false;
            }
        }

        return remainder == 1;
    }
}
