using System.Collections.Concurrent;
using PhoneNumbers;

namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// Validates digit sequences as telephone numbers with libphonenumber's metadata (the numbering plans of every
/// region). The scanner finds the candidates; libphonenumber decides. <see cref="PhoneNumberUtil.Parse(string, string)"/>
/// and <c>FindNumbers</c> are not used on the hot path: they normalise the text with regular expressions and cost
/// several microseconds per candidate, while building the number from its digits and asking the region's patterns
/// costs a fraction of that.
/// </summary>
internal static class PhoneNumberValidator
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly ConcurrentDictionary<string, Region?> Regions = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A region's country calling code and trunk prefix, looked up once.</summary>
    internal sealed record Region(string Code, int CountryCode, string TrunkPrefix);

    /// <summary>The region for an ISO 3166 alpha-2 code, or null when libphonenumber does not know it.</summary>
    public static Region? GetRegion(string code) => Regions.GetOrAdd(code, static c =>
    {
        var upper = c.Trim().ToUpperInvariant();
        if (!Util.GetSupportedRegions().Contains(upper))
        {
            return null;
        }

        return new Region(upper, Util.GetCountryCodeForRegion(upper), Util.GetNddPrefixForRegion(upper, true) ?? string.Empty);
    });

    /// <summary>
    /// Whether <paramref name="digits"/> written after <c>+</c> or <c>00</c> is a number: valid for its country, or of a
    /// possible length for it when <paramref name="lenient"/> (the <c>+</c> itself says "telephone number").
    /// </summary>
    public static bool IsInternational(ReadOnlySpan<char> digits, bool lenient)
    {
        if (digits.Length is < 7 or > 17)
        {
            return false;
        }

        // Country calling codes are a prefix code: at most one of the first 1, 2 or 3 digits is assigned.
        for (var ccLength = 1; ccLength <= 3; ccLength++)
        {
            var cc = ToInt(digits[..ccLength]);
            var main = Util.GetRegionCodeForCountryCode(cc);
            if (main is "ZZ")
            {
                continue;
            }

            var national = digits[ccLength..];
            if (national.Length is < 4 or > 14)
            {
                return false;
            }

            // Most calling codes have one main region: asking it first avoids IsValidNumber's search over all of them.
            var number = Build(cc, national);
            return Util.IsValidNumberForRegion(number, main) || Util.IsValidNumber(number) || (lenient && Util.IsPossibleNumber(number));
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="digits"/> written in national form is a valid number in one of <paramref name="regions"/>,
    /// or, when <paramref name="lenient"/> (a telephone word is near), a number of possible length there.
    /// </summary>
    public static bool IsNational(ReadOnlySpan<char> digits, IReadOnlyList<Region> regions, bool lenient)
    {
        if (digits.Length is < 7 or > 15 || (!lenient && digits.Length < 9))
        {
            return false;
        }

        for (var i = 0; i < regions.Count; i++)
        {
            var region = regions[i];
            var national = digits;
            var trunk = region.TrunkPrefix.Length > 0 && national.StartsWith(region.TrunkPrefix, StringComparison.Ordinal);
            if (trunk)
            {
                national = national[region.TrunkPrefix.Length..];
            }
            else if (!lenient && region.TrunkPrefix.Length > 0 && region.CountryCode != 1)
            {
                // Where a trunk prefix exists (0 in most of Europe and Australia), a number written nationally starts
                // with it; without it, digits are at best a local number without area code, and far more often a house
                // number and a street number, a postcode or a reference. North America's trunk 1 is optional.
                continue;
            }

            if (national.Length < 4)
            {
                continue;
            }

            var number = Build(region.CountryCode, national);
            if (Util.IsValidNumberForRegion(number, region.Code) || (lenient && national[0] != '0' && Util.IsPossibleNumber(number)))
            {
                return true;
            }
        }

        return false;
    }

    private static PhoneNumber Build(int countryCode, ReadOnlySpan<char> national)
    {
        var builder = new PhoneNumber.Builder().SetCountryCode(countryCode).SetNationalNumber(ToULong(national));

        // Some plans (Italy's, for one) keep leading zeros as part of the number itself.
        var zeros = national.Length - national.TrimStart('0').Length;
        if (zeros > 0)
        {
            builder.SetNumberOfLeadingZeros(zeros);
        }

        return builder.Build();
    }

    private static int ToInt(ReadOnlySpan<char> digits)
    {
        var value = 0;
        foreach (var c in digits)
        {
            value = (value * 10) + (c - '0');
        }

        return value;
    }

    private static ulong ToULong(ReadOnlySpan<char> digits)
    {
        ulong value = 0;
        foreach (var c in digits)
        {
            value = (value * 10) + (ulong)(c - '0');
        }

        return value;
    }
}
