namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// Replaces every piece of personal and customer-identifying data with its typed placeholder (<c>[EMAIL]</c>,
/// <c>[CARD]</c>, <c>[COMPANY]</c>, ...). Text without any is returned unchanged (the same instance).
/// </summary>
public sealed class Anonymizer
{
    /// <summary>Creates an anonymiser over <paramref name="detector"/> (default: <see cref="PersonalDataDetector.Default"/>).</summary>
    public Anonymizer(PersonalDataDetector? detector = null) => Detector = detector ?? PersonalDataDetector.Default;

    /// <summary>The detector used.</summary>
    public PersonalDataDetector Detector { get; }

    /// <summary>Returns <paramref name="text"/> with every detected piece of data replaced by its placeholder.</summary>
    public string Anonymize(string text, RecognitionContext context)
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = Detector.Detect(text, context);
        if (matches.Count == 0)
        {
            return text;
        }

        // The result's length is known, so it is written once in place: no builder, no second copy of a large text.
        var length = text.Length;
        foreach (var m in matches)
        {
            length += (m.Kind.Name ?? string.Empty).Length + 2 - m.Length;
        }

        return string.Create(length, (text, matches), static (span, state) =>
        {
            var (source, found) = state;
            var at = 0;
            var written = 0;
            foreach (var m in found)
            {
                source.AsSpan(at, m.Index - at).CopyTo(span[written..]);
                written += m.Index - at;
                // The placeholder, [NAME], written in place rather than allocated per match.
                var name = m.Kind.Name ?? string.Empty;
                span[written++] = '[';
                name.CopyTo(span[written..]);
                written += name.Length;
                span[written++] = ']';
                at = m.End;
            }

            source.AsSpan(at).CopyTo(span[written..]);
        });
    }
}
