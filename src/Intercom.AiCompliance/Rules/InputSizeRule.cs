using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>
/// Data minimisation and safety: Input larger than the limit for its capability is refused rather than sent.
/// </summary>
/// <param name="maxTextCharacters">The most characters of text one request may send.</param>
/// <param name="maxAudioBytes">The most bytes of audio one request may send.</param>
public sealed class InputSizeRule(long maxTextCharacters, long maxAudioBytes) : IRequestRule
{
    /// <inheritdoc/>
    public string Name => "input-size";

    /// <inheritdoc/>
    public RuleViolation? Evaluate(AiRequest request, WorkspaceComplianceProfile profile, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var audio = request.Capability == Capability.Transcription;
        var limit = audio ? maxAudioBytes : maxTextCharacters;
        var size = request.Payload.InputSize;
        return size <= limit
            ? null
            : new(RejectionReason.InputTooLarge, Name, $"Input is {size} {(audio ? "bytes" : "characters")}; the limit is {limit}");
    }
}
