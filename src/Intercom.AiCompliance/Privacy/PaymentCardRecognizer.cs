

namespace Intercom.AiCompliance.Privacy;

/// <summary>Payment card numbers of 13 to 19 digits that pass the Luhn check; a number that fails it is left alone.</summary>
public sealed class PaymentCardRecognizer : IPersonalDataRecognizer
{
    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        foreach (var m in PersonalDataPatterns.CardCandidate().EnumerateMatches(text))
        {
            if (IsLuhnValid(text.AsSpan(m.Index, m.Length)))
            {
                matches.Add(new(m.Index, m.Length, PersonalDataKind.Card));
            }
        }
    }

    /// <summary>The Luhn (mod 10) check over the digits of <paramref name="value"/>.</summary>
    public static bool IsLuhnValid(ReadOnlySpan<char> value)
    {
        var sum = 0;
        var count = 0;
        var doubleIt = false;
        for (var i = value.Length - 1; i >= 0; i--)
        {
            var c = value[i];
            if (!char.IsAsciiDigit(c))
            {
                continue;
            }

            var digit = c - '0';
            if (doubleIt)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
            doubleIt = !doubleIt;
            count++;
        }

        return count is >= 13 and <= 19 && sum % 10 == 0;
    }
}
