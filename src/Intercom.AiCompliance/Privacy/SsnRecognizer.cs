

namespace Intercom.AiCompliance.Privacy;

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
