using System.Text.RegularExpressions;

namespace Intercom.AiCompliance.Privacy;

/// <summary>The names of the conversation's participants: full names and each part of two or more letters, any case.</summary>
public sealed class ParticipantNameRecognizer : IPersonalDataRecognizer
{
    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(matches);
        if (context.ParticipantNames.Count == 0)
        {
            return;
        }

        var alternatives = context.ParticipantNames
            .Select(n => Regex.Split(n ?? string.Empty, @"[\s\p{P}]+").Where(w => w.Length >= 2).ToArray())
            .Where(parts => parts.Length > 0)
            .SelectMany(parts => parts.Prepend(string.Join(" ", parts)).Select(p => string.Join(@"[\s\p{P}]+", p.Split(' ').Select(Regex.Escape))))
            .Distinct()
            .OrderByDescending(p => p.Length)
            .ToArray();
        if (alternatives.Length == 0)
        {
            return;
        }

        var regex = new Regex($@"(?<![\p{{L}}\p{{N}}])(?:{string.Join("|", alternatives)})(?![\p{{L}}\p{{N}}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        foreach (var m in regex.EnumerateMatches(text))
        {
            matches.Add(new(m.Index, m.Length, PersonalDataKind.Person));
        }
    }
}
