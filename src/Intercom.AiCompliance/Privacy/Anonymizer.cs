using System.Text;

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

        var sb = new StringBuilder(text.Length);
        var at = 0;
        foreach (var m in matches)
        {
            sb.Append(text, at, m.Index - at).Append(m.Kind.Placeholder);
            at = m.End;
        }

        return sb.Append(text, at, text.Length - at).ToString();
    }
}
