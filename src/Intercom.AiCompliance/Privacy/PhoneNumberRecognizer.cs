

namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// Telephone numbers: international (+ or 00, 8 to 15 digits) and national forms (a trunk 0 and 10 or 11 digits, or a
/// North American number of 10 digits, or 11 with a leading 1).
/// </summary>
public sealed class PhoneNumberRecognizer : IPersonalDataRecognizer
{
    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        Span<char> buffer = stackalloc char[32];
        foreach (var m in PersonalDataPatterns.PhoneCandidate().EnumerateMatches(text))
        {
            var candidate = text.AsSpan(m.Index, m.Length);
            var digits = candidate.Length <= buffer.Length ? buffer : new char[candidate.Length];
            var n = 0;
            foreach (var c in candidate)
            {
                if (char.IsAsciiDigit(c))
                {
                    digits[n++] = c;
                }
            }

            var d = digits[..n];
            var international = candidate[0] == '+' || candidate.StartsWith("00", StringComparison.Ordinal);
            var valid = international
                ? (candidate[0] == '+' ? n : n - 2) is >= 8 and <= 15
                : (d[0] == '0' && n is 10 or 11)
                  || (n == 10 && d[0] is >= '2' and <= '9' && d[3] is >= '2' and <= '9')
                  || (n == 11 && d[0] == '1' && d[1] is >= '2' and <= '9');

            // Dates and times written with separators are not phone numbers.
            if (valid && !LooksLikeDate(candidate))
            {
                matches.Add(new(m.Index, m.Length, PersonalDataKind.Phone));
            }
        }
    }

    private static bool LooksLikeDate(ReadOnlySpan<char> s) =>
        s.Length == 10 && s[4] == '-' && s[7] == '-';
}
