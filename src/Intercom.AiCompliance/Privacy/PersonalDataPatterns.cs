using System.Text.RegularExpressions;

namespace Intercom.AiCompliance.Privacy;

/// <summary>Candidate patterns, source-generated; every candidate is validated before it counts.</summary>
internal static partial class PersonalDataPatterns
{
    [GeneratedRegex(@"(?<![\w.+%-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w-])", RegexOptions.CultureInvariant, 1000)]
    public static partial Regex Email();

    [GeneratedRegex(@"(?<![\w+])(?:\+|00)?\(?\d[\d \-.()]{5,20}\d(?![\w])", RegexOptions.CultureInvariant, 1000)]
    public static partial Regex PhoneCandidate();

    [GeneratedRegex(@"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])", RegexOptions.CultureInvariant, 1000)]
    public static partial Regex CardCandidate();

    [GeneratedRegex(@"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])", RegexOptions.CultureInvariant, 1000)]
    public static partial Regex IbanCandidate();

    [GeneratedRegex(@"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])", RegexOptions.CultureInvariant, 1000)]
    public static partial Regex Ssn();

    [GeneratedRegex(@"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])", RegexOptions.CultureInvariant, 1000)]
    public static partial Regex IPv4();

    [GeneratedRegex(@"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])", RegexOptions.CultureInvariant, 1000)]
    public static partial Regex IPv6Candidate();

    [GeneratedRegex(@"\bhttps?://[^\s<>""'`]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, 1000)]
    public static partial Regex Url();
}
