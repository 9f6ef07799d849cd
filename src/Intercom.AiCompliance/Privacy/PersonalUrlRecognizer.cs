namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// URLs that carry personal data: user info, a query value, a fragment, an e-mail address, a long number, or a segment
/// after a people-like path such as <c>/users/</c> or <c>/profile/</c>. Plain URLs such as a help article are left alone
/// unless <see cref="UrlReporting.Every"/> is asked for. Part of <see cref="StructuredDataRecognizer"/>.
/// </summary>
public sealed class PersonalUrlRecognizer : IPersonalDataRecognizer
{
    private readonly StructuredDataRecognizer _scanner;

    /// <summary>Creates the recognizer.</summary>
    /// <param name="urls">Which URLs are reported (default: those carrying personal data).</param>
    public PersonalUrlRecognizer(UrlReporting urls = UrlReporting.Personal) => _scanner = new(StructuredKinds.Url, urls: urls);

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) => _scanner.Recognize(text, context, matches);
}
