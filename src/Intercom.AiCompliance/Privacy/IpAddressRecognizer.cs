namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// IPv4 addresses (every octet 0-255, a trailing full stop is punctuation) and IPv6 addresses (that parse).
/// Part of <see cref="StructuredDataRecognizer"/>.
/// </summary>
public sealed class IpAddressRecognizer : IPersonalDataRecognizer
{
    private readonly StructuredDataRecognizer _scanner = new(StructuredKinds.IpAddress);

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) => _scanner.Recognize(text, context, matches);
}
