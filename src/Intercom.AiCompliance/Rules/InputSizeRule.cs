using System.Globalization;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Rules;

/// <summary>
/// Data minimisation and safety: Input larger than the limit for its capability is refused rather than sent. Every
/// kind of content counts: text-like parts by characters, a chat's images, files and other data parts by bytes,
/// transcription audio by bytes under its own limit. Content that cannot be measured is refused.
/// </summary>
/// <param name="maxTextCharacters">The most characters of text one request may send.</param>
/// <param name="maxAudioBytes">The most bytes of audio one request may send.</param>
/// <param name="maxInputBytes">The most bytes of non-text content (images, files, other data parts) one request may send.</param>
public sealed class InputSizeRule(long maxTextCharacters, long maxAudioBytes, long maxInputBytes = InputSizeRule.DefaultMaxInputBytes) : IRequestRule
{
    /// <summary>The default limit on non-text bytes: 20 MiB.</summary>
    public const long DefaultMaxInputBytes = 20L * 1024 * 1024;

    /// <inheritdoc/>
    public string Name => "input-size";

    /// <inheritdoc/>
    public string Fingerprint { get; } = string.Create(CultureInfo.InvariantCulture,
        $"input-size(text-characters={maxTextCharacters};audio-bytes={maxAudioBytes};input-bytes={maxInputBytes})");

    /// <inheritdoc/>
    public RuleViolation? Evaluate(AiRequest request, WorkspaceComplianceProfile profile, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var audio = request.Capability == Capability.Transcription;
        var limit = audio ? maxAudioBytes : maxTextCharacters;
        var size = request.Payload.InputSize;
        if (size > limit)
        {
            return size >= ContentMeasure.Unmeasurable
                ? new(RejectionReason.InputTooLarge, Name, "Input holds content whose size cannot be measured")
                : new(RejectionReason.InputTooLarge, Name, $"Input is {size} {(audio ? "bytes" : "characters")}; the limit is {limit}");
        }

        var bytes = request.Payload.InputBytes;
        return bytes <= maxInputBytes
            ? null
            : new(RejectionReason.InputTooLarge, Name, $"Input holds {bytes} bytes of non-text content; the limit is {maxInputBytes}");
    }
}
