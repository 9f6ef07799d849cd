using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Workspaces;
using FsProperty = FsCheck.NUnit.PropertyAttribute;

namespace Intercom.AiCompliance.Tests.Privacy;

/// <summary>
/// Invariants of the detector over generated data: valid identifiers embedded in random text are found, numbers failing
/// their checksum are never reported, and detection never throws and always returns ordered, non-overlapping matches.
/// </summary>
public class PersonalDataDetectorPropertyTests
{
    private static readonly string[] Words =
    [
        "hello", "the", "order", "is", "late", "please", "refund", "my", "card", "thanks", "Agent:", "Customer:", "on", "Monday", "at",
        "ticket", "#42", "(see", "below)", "ok.", "5", "items,", "-", "and", "or", "\n", "number", "account", "—", "ünïcode",
    ];

    private static string Sentence(Random rng, int words)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            sb.Append(Words[rng.Next(Words.Length)]).Append(' ');
        }

        return sb.ToString();
    }

    private static string Embed(Random rng, string value, out int index)
    {
        var before = Sentence(rng, rng.Next(0, 8));
        var after = rng.Next(4) switch { 0 => ".", 1 => ", " + Sentence(rng, 3), 2 => "\n" + Sentence(rng, 2), _ => " " + Sentence(rng, 4) };
        index = before.Length;
        return before + value + after;
    }

    private static string Digits(Random rng, int count)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            sb.Append((char)('0' + rng.Next(10)));
        }

        return sb.ToString();
    }

    private static char LuhnCheckDigit(string payload)
    {
        var sum = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            var d = payload[payload.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return (char)('0' + ((10 - (sum % 10)) % 10));
    }

    /// <summary>A card number of a real network's prefix and length with a correct Luhn digit.</summary>
    private static string Card(Random rng)
    {
        var (prefix, length) = rng.Next(6) switch
        {
            0 => ("4", 16),
            1 => ("5" + (char)('1' + rng.Next(5)), 16),
            2 => ("37", 15),
            3 => ("6011", 16),
            4 => ("5018", 12 + rng.Next(8)),
            _ => ("4", 13),
        };
        var payload = prefix + Digits(rng, length - prefix.Length - 1);
        return payload + LuhnCheckDigit(payload);
    }

    private static string Grouped(Random rng, string digits) => rng.Next(3) switch
    {
        0 => digits,
        1 when digits.Length == 16 => string.Join(" ", digits.Chunk(4).Select(c => new string(c))),
        2 when digits.Length == 16 => string.Join("-", digits.Chunk(4).Select(c => new string(c))),
        _ => digits,
    };

    private static string Iban(Random rng)
    {
        var (country, bban) = rng.Next(3) switch
        {
            0 => ("GB", new string(Enumerable.Range(0, 4).Select(_ => (char)('A' + rng.Next(26))).ToArray()) + Digits(rng, 14)),
            1 => ("DE", Digits(rng, 18)),
            _ => ("NL", new string(Enumerable.Range(0, 4).Select(_ => (char)('A' + rng.Next(26))).ToArray()) + Digits(rng, 10)),
        };

        // ISO 13616: check digits make (BBAN + country + check digits) mod 97 == 1.
        var numeric = new StringBuilder();
        foreach (var c in bban + country + "00")
        {
            numeric.Append(char.IsAsciiDigit(c) ? c.ToString() : (c - 'A' + 10).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var remainder = 0;
        foreach (var c in numeric.ToString())
        {
            remainder = ((remainder * 10) + (c - '0')) % 97;
        }

        var check = 98 - remainder;
        var iban = country + check.ToString("00", System.Globalization.CultureInfo.InvariantCulture) + bban;
        return rng.Next(2) == 0 ? iban : string.Join(" ", iban.Chunk(4).Select(c => new string(c)));
    }

    /// <summary>Names the failing text in the report (the data is generated, so showing it is fine).</summary>
    private static bool Explain(bool holds, string text) =>
        holds ? true : throw new AssertionException($"Fails for: \"{text}\" -> {string.Join(", ", Detect(text).Select(m => $"{m.Kind}:{text.Substring(m.Index, m.Length)}"))}");

    private static IReadOnlyList<PersonalDataMatch> Detect(string text) => PersonalDataDetector.Default.Detect(text, RecognitionContext.Empty);

    private static bool FoundExactly(string text, int index, string value, PersonalDataKind kind) =>
        Detect(text).Any(m => m.Kind == kind && m.Index == index && m.Length == value.Length);

    [FsProperty(MaxTest = 500)]
    public bool ValidCard_EmbeddedInText_IsFoundAsACard(int seed)
    {
        var rng = new Random(seed);
        var card = Grouped(rng, Card(rng));
        var text = Embed(rng, card, out var index);
        return Explain(FoundExactly(text, index, card, PersonalDataKind.Card), text);
    }

    [FsProperty(MaxTest = 500)]
    public bool ValidIban_EmbeddedInText_IsFoundAsAnIban(int seed)
    {
        var rng = new Random(seed);
        var iban = Iban(rng);
        var text = Embed(rng, iban, out var index);
        return Explain(FoundExactly(text, index, iban, PersonalDataKind.Iban), text);
    }

    [FsProperty(MaxTest = 500)]
    public bool ValidEmail_EmbeddedInText_IsFoundAsAnEmail(int seed)
    {
        var rng = new Random(seed);
        string Label(int min, int max) => new(Enumerable.Range(0, rng.Next(min, max)).Select(_ => "abcdefghijklmnopqrstuvwxyz0123456789"[rng.Next(36)]).ToArray());
        var local = Label(1, 10) + (rng.Next(2) == 0 ? "." + Label(1, 8) : "") + (rng.Next(3) == 0 ? "+" + Label(1, 5) : "");
        var email = $"{local}@{Label(1, 12)}.{(rng.Next(2) == 0 ? Label(2, 6) + "." : "")}{new string(Enumerable.Range(0, rng.Next(2, 6)).Select(_ => (char)('a' + rng.Next(26))).ToArray())}";
        var text = Embed(rng, email, out var index);
        return Explain(FoundExactly(text, index, email, PersonalDataKind.Email), text);
    }

    [FsProperty(MaxTest = 500)]
    public bool CardNumberFailingLuhn_IsNeverReported(int seed)
    {
        var rng = new Random(seed);
        var valid = Card(rng);
        var broken = valid[..^1] + (char)('0' + (((valid[^1] - '0') + 1 + rng.Next(9)) % 10));
        var number = Grouped(rng, broken);
        var text = Embed(rng, number, out var index);

        // Nothing at all overlaps the number: not a card, and not a phone or anything else read out of its digits.
        return Explain(!PaymentCardRecognizer.IsLuhnValid(broken) && !Detect(text).Any(m => m.Index < index + number.Length && index < m.End), text);
    }

    [FsProperty(MaxTest = 500)]
    public bool IbanFailingMod97_IsNeverReported(int seed)
    {
        var rng = new Random(seed);
        var valid = Iban(rng).Replace(" ", "", StringComparison.Ordinal);
        var check = int.Parse(valid.AsSpan(2, 2), System.Globalization.CultureInfo.InvariantCulture);
        var broken = valid[..2] + ((check + 1 + rng.Next(90)) % 97 + 2).ToString("00", System.Globalization.CultureInfo.InvariantCulture)[..2] + valid[4..];
        var text = Embed(rng, broken, out var index);
        return Explain(IbanRecognizer.IsValid(broken) || !Detect(text).Any(m => m.Index < index + broken.Length && index < m.End), text);
    }

    [FsProperty(MaxTest = 1000)]
    public bool Detect_AnyString_NeverThrows_AndReturnsOrderedNonOverlappingMatchesInsideTheText(string? text)
    {
        text ??= string.Empty;
        var context = new RecognitionContext(new CustomerReferences { CompanyNames = ["Acme Inc."], Domains = ["acme.com"], PostalAddresses = ["1 Main St, Springfield"] }, ["Jane Doe", "Mark"]);
        var matches = PersonalDataDetector.Default.Detect(text, context);
        for (var i = 0; i < matches.Count; i++)
        {
            if (matches[i].Index < 0 || matches[i].Length <= 0 || matches[i].End > text.Length || (i > 0 && matches[i].Index < matches[i - 1].End))
            {
                return false;
            }
        }

        return true;
    }

    [Test]
    public void Detect_RandomSymbolSoup_NeverThrows()
    {
        // Strings dense in the characters that start a candidate, which plain random strings rarely are.
        const string alphabet = "0123456789+-.:/@() xX\nabcGBDE%&?=#";
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var text = new string(Enumerable.Range(0, rng.Next(0, 200)).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray());
            var matches = Detect(text);
            return matches.All(m => m.Index >= 0 && m.End <= text.Length);
        }).QuickCheckThrowOnFailure();
    }
}
