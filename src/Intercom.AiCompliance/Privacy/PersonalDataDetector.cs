namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// Runs recognizers over text and resolves overlaps (the longer match wins; on a tie, the recognizer listed first).
/// Used by the anonymiser before training, and meant for egress redaction too.
/// </summary>
public sealed class PersonalDataDetector
{
    private readonly IPersonalDataRecognizer[] _recognizers;

    /// <summary>Creates a detector from recognizers, in priority order.</summary>
    public PersonalDataDetector(IEnumerable<IPersonalDataRecognizer> recognizers)
    {
        ArgumentNullException.ThrowIfNull(recognizers);
        _recognizers = recognizers.ToArray();
    }

    /// <summary>The built-in recognizers: structured identifiers first, then the workspace's references and participants.</summary>
    public static PersonalDataDetector Default { get; } = new IPersonalDataRecognizer[]
    {
        new EmailRecognizer(), new PersonalUrlRecognizer(), new IbanRecognizer(), new PaymentCardRecognizer(), new SsnRecognizer(),
        new IpAddressRecognizer(), new PhoneNumberRecognizer(), new CustomerReferenceRecognizer(), new ParticipantNameRecognizer(),
    }.ToDetector();

    /// <summary>Finds every piece of personal data, without overlaps, in text order.</summary>
    public IReadOnlyList<PersonalDataMatch> Detect(string text, RecognitionContext context)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(context);
        if (text.Length == 0)
        {
            return [];
        }

        var found = new List<(PersonalDataMatch Match, int Priority)>();
        var buffer = new List<PersonalDataMatch>();
        for (var i = 0; i < _recognizers.Length; i++)
        {
            buffer.Clear();
            _recognizers[i].Recognize(text, context, buffer);
            foreach (var m in buffer)
            {
                if (m.Length > 0 && m.Index >= 0 && m.End <= text.Length)
                {
                    found.Add((m, i));
                }
            }
        }

        // Longest first, then by priority, then by position; keep each one that does not overlap one already kept.
        found.Sort((a, b) => a.Match.Length != b.Match.Length ? b.Match.Length.CompareTo(a.Match.Length)
            : a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority)
            : a.Match.Index.CompareTo(b.Match.Index));
        var kept = new List<PersonalDataMatch>();
        foreach (var (m, _) in found)
        {
            if (!kept.Exists(k => m.Index < k.End && k.Index < m.End))
            {
                kept.Add(m);
            }
        }

        kept.Sort((a, b) => a.Index.CompareTo(b.Index));
        return kept;
    }
}

internal static class DetectorExtensions
{
    public static PersonalDataDetector ToDetector(this IEnumerable<IPersonalDataRecognizer> recognizers) => new(recognizers);
}
