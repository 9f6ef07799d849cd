namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// US Social Security numbers written 123-45-6789 or 123 45 6789, excluding the numbers the SSA never issues:
/// area 000, 666 or 900-999, group 00, serial 0000. Part of <see cref="StructuredDataRecognizer"/>.
/// </summary>
public sealed class SsnRecognizer : IPersonalDataRecognizer
{
    private readonly StructuredDataRecognizer _scanner = new(StructuredKinds.Ssn);

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) => _scanner.Recognize(text, context, matches);

    /// <summary>Whether area, group and serial form an SSN the SSA could have issued.</summary>
    public static bool IsValid(ReadOnlySpan<char> area, ReadOnlySpan<char> group, ReadOnlySpan<char> serial)
    {
        if (area.Length != 3 || group.Length != 2 || serial.Length != 4
            || area.ContainsAnyExceptInRange('0', '9') || group.ContainsAnyExceptInRange('0', '9') || serial.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        var a = ((area[0] - '0') * 100) + ((area[1] - '0') * 10) + (area[2] - '0');
        return a != 0 && a != 666 && a < 900
            && !group.SequenceEqual("00")
            && !serial.SequenceEqual("0000");
    }
}
