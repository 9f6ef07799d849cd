namespace Intercom.AiCompliance.Privacy;

/// <summary>E-mail addresses (local part without leading, trailing or doubled dots). Part of <see cref="StructuredDataRecognizer"/>.</summary>
public sealed class EmailRecognizer : IPersonalDataRecognizer
{
    private readonly StructuredDataRecognizer _scanner = new(StructuredKinds.Email);

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) => _scanner.Recognize(text, context, matches);
}
