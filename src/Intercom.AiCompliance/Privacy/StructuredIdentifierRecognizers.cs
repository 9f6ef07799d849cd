using System.Net;


namespace Intercom.AiCompliance.Privacy;

/// <summary>E-mail addresses (local part without leading, trailing or doubled dots).</summary>
public sealed class EmailRecognizer : IPersonalDataRecognizer
{
    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        foreach (var m in PersonalDataPatterns.Email().EnumerateMatches(text))
        {
            var value = text.AsSpan(m.Index, m.Length);
            var local = value[..value.IndexOf('@')];
            if (local[0] != '.' && local[^1] != '.' && !local.Contains("..", StringComparison.Ordinal))
            {
                matches.Add(new(m.Index, m.Length, PersonalDataKind.Email));
            }
        }
    }
}

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

/// <summary>
/// US Social Security numbers written 123-45-6789 or 123 45 6789, excluding the numbers the SSA never issues:
/// area 000, 666 or 900-999, group 00, serial 0000.
/// </summary>
public sealed class SsnRecognizer : IPersonalDataRecognizer
{
    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        foreach (System.Text.RegularExpressions.Match m in PersonalDataPatterns.Ssn().Matches(text))
        {
            if (IsValid(m.Groups[1].ValueSpan, m.Groups[3].ValueSpan, m.Groups[4].ValueSpan))
            {
                matches.Add(new(m.Index, m.Length, PersonalDataKind.Ssn));
            }
        }
    }

    /// <summary>Whether area, group and serial form an SSN the SSA could have issued.</summary>
    public static bool IsValid(ReadOnlySpan<char> area, ReadOnlySpan<char> group, ReadOnlySpan<char> serial)
    {
        var a = int.Parse(area, System.Globalization.CultureInfo.InvariantCulture);
        return a != 0 && a != 666 && a < 900
            && !group.SequenceEqual("00")
            && !serial.SequenceEqual("0000");
    }
}

/// <summary>IPv4 addresses (every octet 0-255) and IPv6 addresses (that parse).</summary>
public sealed class IpAddressRecognizer : IPersonalDataRecognizer
{
    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        foreach (var m in PersonalDataPatterns.IPv4().EnumerateMatches(text))
        {
            var ok = true;
            foreach (var part in text.Substring(m.Index, m.Length).Split('.'))
            {
                ok &= int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var octet) && octet <= 255;
            }

            if (ok)
            {
                matches.Add(new(m.Index, m.Length, PersonalDataKind.IpAddress));
            }
        }

        foreach (var m in PersonalDataPatterns.IPv6Candidate().EnumerateMatches(text))
        {
            var value = text.AsSpan(m.Index, m.Length);
            if (value.Count(':') >= 2 && value.ContainsAnyExcept(':') && IPAddress.TryParse(value, out var ip)
                && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                matches.Add(new(m.Index, m.Length, PersonalDataKind.IpAddress));
            }
        }
    }
}

/// <summary>
/// URLs that carry personal data: a query value, a fragment, an e-mail address, a long number, or a segment after a
/// people-like path such as <c>/users/</c> or <c>/profile/</c>. Plain URLs such as a help article are left alone.
/// </summary>
public sealed class PersonalUrlRecognizer : IPersonalDataRecognizer
{
    private static readonly HashSet<string> PeopleSegments = new(StringComparer.OrdinalIgnoreCase)
    {
        "u", "user", "users", "profile", "profiles", "account", "accounts", "customer", "customers", "people", "person",
        "member", "members", "contact", "contacts", "employee", "employees", "patient", "patients", "in", "@",
    };

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        foreach (var m in PersonalDataPatterns.Url().EnumerateMatches(text))
        {
            var length = m.Length;
            while (length > 0 && text[m.Index + length - 1] is '.' or ',' or ';' or ':' or '!' or '?' or ')' or ']')
            {
                length--;
            }

            if (Uri.TryCreate(text.Substring(m.Index, length), UriKind.Absolute, out var uri) && IsPersonal(uri))
            {
                matches.Add(new(m.Index, length, PersonalDataKind.Url));
            }
        }
    }

    private static bool IsPersonal(Uri uri)
    {
        if (uri.Query.Length > 1 && uri.Query.Contains('=', StringComparison.Ordinal))
        {
            foreach (var pair in uri.Query.TrimStart('?').Split('&'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0 && eq < pair.Length - 1)
                {
                    return true;
                }
            }
        }

        if (uri.Fragment.Length > 1 || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return true;
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < segments.Length; i++)
        {
            var s = Uri.UnescapeDataString(segments[i]);
            if (s.Contains('@', StringComparison.Ordinal) || s.Count(char.IsAsciiDigit) >= 4
                || (PeopleSegments.Contains(s) && i < segments.Length - 1))
            {
                return true;
            }
        }

        return false;
    }
}

