namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// A named-entity recognizer a host supplies: a statistical model (for example a token-classification transformer run
/// with Microsoft.ML.OnnxRuntime) that finds names, places and organisations the rule-based recognizers cannot know.
/// The package ships none; docs/privacy.md shows how one plugs in. Register implementations in DI as
/// <see cref="IEntityRecognizer"/> and build the detector with <see cref="PersonalDataDetector.Create"/>.
/// </summary>
/// <remarks>
/// Implementations must be thread-safe, must not log, keep or send the text anywhere, and should throw rather than
/// return partial results when the model fails: the anonymiser and egress redaction fail closed on an exception.
/// </remarks>
public interface IEntityRecognizer
{
    /// <summary>Adds every entity found in <paramref name="text"/> to <paramref name="entities"/>, with the model's score.</summary>
    void RecognizeEntities(string text, ICollection<RecognizedEntity> entities);
}

/// <summary>An entity a named-entity model found.</summary>
/// <param name="Index">The first character.</param>
/// <param name="Length">How many characters.</param>
/// <param name="Kind">What it is: usually <see cref="PersonalDataKind.Person"/>, <see cref="PersonalDataKind.Location"/> or <see cref="PersonalDataKind.Organization"/>.</param>
/// <param name="Score">The model's confidence, from 0 to 1.</param>
public readonly record struct RecognizedEntity(int Index, int Length, PersonalDataKind Kind, float Score);

/// <summary>Runs an <see cref="IEntityRecognizer"/> as a recognizer, keeping the entities scored at or above a threshold.</summary>
internal sealed class EntityRecognizerAdapter(IEntityRecognizer model, float minimumScore) : IPersonalDataRecognizer
{
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        var entities = new List<RecognizedEntity>();
        model.RecognizeEntities(text, entities);
        foreach (var e in entities)
        {
            if (e.Score >= minimumScore && e.Length > 0 && e.Kind.Name is not null)
            {
                matches.Add(new(e.Index, e.Length, e.Kind));
            }
        }
    }
}
