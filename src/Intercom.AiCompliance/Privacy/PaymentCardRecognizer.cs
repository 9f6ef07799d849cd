namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// Payment card numbers of 12 to 19 digits (in one block, in groups of four, or Amex's 4-6-5) that pass the Luhn check
/// and start like a card network's numbers (Visa, Mastercard, Maestro, Amex, Diners, Discover, JCB, UnionPay). A number
/// that fails either is left alone, and digits inside another identifier, an IBAN or a telephone number written with
/// <c>+</c> or <c>00</c> are never read as a card. Part of <see cref="StructuredDataRecognizer"/>.
/// </summary>
public sealed class PaymentCardRecognizer : IPersonalDataRecognizer
{
    private readonly StructuredDataRecognizer _scanner = new(StructuredKinds.Card);

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) => _scanner.Recognize(text, context, matches);

    /// <summary>The Luhn (mod 10) check over the digits of <paramref name="value"/>, which must number 12 to 19.</summary>
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

        return count is >= 12 and <= 19 && sum % 10 == 0;
    }

    /// <summary>Whether <paramref name="digits"/> (digits only) starts like a card network's number of that length.</summary>
    public static bool HasKnownPrefix(ReadOnlySpan<char> digits)
    {
        var length = digits.Length;
        if (length is < 12 or > 19 || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        var two = ((digits[0] - '0') * 10) + (digits[1] - '0');
        var four = (two * 100) + ((digits[2] - '0') * 10) + (digits[3] - '0');
        return digits[0] switch
        {
            '4' => length is 13 or 16 or 19,                                                          // Visa
            '5' => two is >= 51 and <= 55 ? length == 16 : length >= 12,                             // Mastercard; Maestro 50, 56-59
            '2' => (four is >= 2221 and <= 2720 && length == 16) || (four is 2131 or 2014 or 2149 && length == 15), // Mastercard; JCB; enRoute
            '3' => two is 34 or 37 ? length == 15                                                      // Amex
                : two is 30 or 36 or 38 or 39 ? length >= 14                                           // Diners
                : two == 35 && length >= 16,                                                          // JCB
            '6' => length >= 12,                                                                      // Discover, UnionPay, Maestro
            '1' => four == 1800 && length == 15,                                                      // JCB
            '0' => four == 604 && length >= 12,                                                       // Maestro (UK)
            _ => false,
        };
    }
}
