namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// Telephone numbers, validated with libphonenumber (libphonenumber-csharp): international numbers after <c>+</c> or
/// <c>00</c>, and national formats in the context's or the configured regions. Dates, times, IP addresses, SSNs and
/// card-shaped numbers are never read as telephone numbers, and adjacent numbers are split where each one validates.
/// Part of <see cref="StructuredDataRecognizer"/>.
/// </summary>
public sealed class PhoneNumberRecognizer : IPersonalDataRecognizer
{
    private readonly StructuredDataRecognizer _scanner;

    /// <summary>Creates the recognizer.</summary>
    /// <param name="defaultRegions">
    /// ISO 3166 alpha-2 codes of the regions whose national formats are read when the context names none
    /// (default: <see cref="StructuredDataRecognizer.DefaultPhoneRegions"/>).
    /// </param>
    public PhoneNumberRecognizer(IEnumerable<string>? defaultRegions = null) => _scanner = new(StructuredKinds.Phone, defaultRegions);

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) => _scanner.Recognize(text, context, matches);
}
