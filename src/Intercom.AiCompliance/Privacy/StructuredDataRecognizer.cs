namespace Intercom.AiCompliance.Privacy;

/// <summary>Which URLs <see cref="StructuredDataRecognizer"/> reports.</summary>
public enum UrlReporting
{
    /// <summary>
    /// Only URLs that carry personal data: user info, a query value, a fragment, an e-mail address or a long number in
    /// the path, or a segment after a people-like one such as <c>/users/</c>. A help article's address is left alone.
    /// </summary>
    Personal = 0,

    /// <summary>Every http(s) URL, as HIPAA's Safe Harbor method asks (web addresses are one of its 18 identifiers).</summary>
    Every = 1,
}

/// <summary>
/// Every structured identifier in one pass over the text: e-mail addresses, URLs, IBANs (mod-97), payment cards (Luhn and
/// the card networks' prefixes), US SSNs (SSA rules), IPv4 and IPv6 addresses, and telephone numbers (validated with
/// libphonenumber's numbering plans). A number that fails its checksum is never reported, under any kind.
/// </summary>
/// <remarks>
/// National-format telephone numbers (without <c>+</c> or <c>00</c>) are read in the regions of
/// <see cref="RecognitionContext.PhoneRegions"/> when the context names some, otherwise in this recognizer's regions.
/// A number valid in one of them is reported; next to a telephone word ("phone", "call", "fax", ...) a number of possible
/// length there is reported too. International numbers are reported when their length is possible for their country.
/// </remarks>
public sealed class StructuredDataRecognizer : IPersonalDataRecognizer
{
    private readonly StructuredKinds _kinds;
    private readonly PhoneNumberValidator.Region[] _regions;

    /// <summary>Creates the recognizer.</summary>
    /// <param name="phoneRegions">
    /// ISO 3166 alpha-2 codes of the regions whose national formats are read when the context names none
    /// (default: <see cref="DefaultPhoneRegions"/>). Codes libphonenumber does not know are ignored.
    /// </param>
    /// <param name="urls">Which URLs are reported (default: those carrying personal data).</param>
    public StructuredDataRecognizer(IEnumerable<string>? phoneRegions = null, UrlReporting urls = UrlReporting.Personal)
        : this(StructuredKinds.All, phoneRegions, urls)
    {
    }

    internal StructuredDataRecognizer(StructuredKinds kinds, IEnumerable<string>? phoneRegions = null, UrlReporting urls = UrlReporting.Personal)
    {
        _kinds = kinds;
        _regions = ResolveRegions(phoneRegions ?? DefaultPhoneRegions);
        Urls = urls;
    }

    /// <summary>
    /// The regions read by default: the United States and Canada, the United Kingdom and Ireland, and the larger EU
    /// markets (Germany, France, Spain, Italy, the Netherlands, Belgium), Switzerland and Australia.
    /// </summary>
    public static IReadOnlyList<string> DefaultPhoneRegions { get; } = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "IE", "CH", "AU", "CA"];

    /// <summary>Which URLs are reported.</summary>
    public UrlReporting Urls { get; }

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(matches);
        var regions = context.PhoneRegions.Count == 0 ? _regions : context.ResolvedPhoneRegions;
        StructuredDataScanner.Scan(text, _kinds, regions, Urls == UrlReporting.Every, matches);
    }

    internal static PhoneNumberValidator.Region[] ResolveRegions(IEnumerable<string> codes) =>
        codes.Where(c => !string.IsNullOrWhiteSpace(c))
            .Select(PhoneNumberValidator.GetRegion)
            .OfType<PhoneNumberValidator.Region>()
            .Distinct()
            .ToArray();
}
