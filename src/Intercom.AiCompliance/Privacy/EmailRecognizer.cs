

namespace Intercom.AiCompliance.Privacy;

/// <summary>E-mail addresses (local part without leading, trailing or doubled dots).</summary>
public sealed class EmailRecognizer : IPersonalDataRecognizer
{
    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        foreach (var m in PersonalDataPatterns.Email().EnumerateMatches(text))
        {
            var value = text.AsSpan(m.Index, m.Length);
            var local = value[..value.IndexOf('@')];
            if (local[0] != '.' && local[^1] != '.' && !local.Contains("..", StringComparison.Ordinal))
            {
                matches.Add(new(m.Index, m.Length, PersonalDataKind.Email));
            }
        }
    }
}
