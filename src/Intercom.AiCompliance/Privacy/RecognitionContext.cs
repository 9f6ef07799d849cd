using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Privacy;

/// <summary>What the recognizers know beyond the text: the workspace's own references and the conversation's participants.</summary>
/// <param name="Customer">The workspace's company names, domains and addresses.</param>
/// <param name="ParticipantNames">The names of the people in the conversation.</param>
public sealed record RecognitionContext(CustomerReferences Customer, IReadOnlyList<string> ParticipantNames)
{
    private readonly IReadOnlyList<string> _phoneRegions = [];

    /// <summary>No customer references and no participants: only structured identifiers are recognized.</summary>
    public static RecognitionContext Empty { get; } = new(new CustomerReferences(), []);

    /// <summary>
    /// ISO 3166 alpha-2 codes of the regions whose national telephone formats are read (for example the countries the
    /// workspace serves). Empty (the default) means the recognizer's own list.
    /// </summary>
    public IReadOnlyList<string> PhoneRegions
    {
        get => _phoneRegions;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _phoneRegions = value;
            ResolvedPhoneRegions = StructuredDataRecognizer.ResolveRegions(value);
        }
    }

    internal PhoneNumberValidator.Region[] ResolvedPhoneRegions { get; private init; } = [];
}

/// <summary>Finds one kind (or family) of personal data in text.</summary>
public interface IPersonalDataRecognizer
{
    /// <summary>Adds every match in <paramref name="text"/> to <paramref name="matches"/>. Must not log or keep the text.</summary>
    void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches);
}
