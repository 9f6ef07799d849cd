using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.ElevenLabs;

/// <summary>
/// How the ElevenLabs deployments of the catalogue are called: the API key (or a callback that returns one per deployment,
/// since each data-residency environment has its own keys), the default voice and output format, which deployments'
/// zero-retention promise rests on a contract rather than on the request parameter, and the network timeout. The endpoint
/// and the model come from each deployment in the catalogue, never from here.
/// </summary>
/// <remarks>
/// Bound strictly from the top-level configuration section <c>AiComplianceElevenLabs</c> (an unknown key stops the host's
/// start). The key is never logged, never put in an exception message and never returned by <see cref="ToString"/>.
/// </remarks>
public sealed class ElevenLabsProviderOptions
{
    /// <summary>The API key (<c>xi-api-key</c>) for every ElevenLabs deployment that <see cref="ApiKeyProvider"/> does not give one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Returns the API key for a deployment (an isolated data-residency environment such as
    /// <c>api.eu.residency.elevenlabs.io</c> has accounts and keys of its own), or <see langword="null"/> to use <see cref="ApiKey"/>.
    /// Called once per deployment and capability, when the router is built at the host's start.
    /// </summary>
    public Func<IServiceProvider, ProviderDeployment, string?>? ApiKeyProvider { get; set; }

    /// <summary>The voice used when a request names none (<c>TextToSpeechOptions.VoiceId</c>); an ElevenLabs voice id.</summary>
    public string? DefaultVoiceId { get; set; }

    /// <summary>The <c>output_format</c> used when a request asks for none, such as <c>mp3_44100_128</c> (the default) or <c>pcm_16000</c>.</summary>
    public string OutputFormat { get; set; } = "mp3_44100_128";

    /// <summary>
    /// The ids of ElevenLabs deployments whose zero-data-retention attestation is an account-level contract with ElevenLabs
    /// that does not depend on the request parameter. Every other ElevenLabs deployment's attestation is taken to rely on
    /// ElevenLabs' zero retention mode, requested per call with <c>enable_logging=false</c>: the package sends it on every call
    /// of those deployments and refuses to let a request without it leave the process. Empty by default (every deployment
    /// relies on it). A deployment that processes only in the EU cannot be listed: ElevenLabs keeps EU processing in the EU
    /// only in zero retention mode.
    /// </summary>
    public IList<string> ZeroRetentionByAccountContract { get; } = new List<string>();

    /// <summary>How long one HTTP call may take before it is abandoned (a transient timeout for the router); default 100 seconds.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Whether calls of <paramref name="deployment"/> must carry <c>enable_logging=false</c>.</summary>
    /// <param name="deployment">An ElevenLabs deployment of the catalogue.</param>
    public bool ReliesOnZeroRetentionParameter(ProviderDeployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return !ZeroRetentionByAccountContract.Contains(deployment.Id, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Describes the options without the key: only whether one is set.</summary>
    public override string ToString() =>
        $"ElevenLabsProviderOptions {{ ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "not set" : "set (hidden)")}, ApiKeyProvider = {(ApiKeyProvider is null ? "not set" : "set")}, "
        + $"DefaultVoiceId = {DefaultVoiceId ?? "not set"}, OutputFormat = {OutputFormat}, ZeroRetentionByAccountContract = [{string.Join(", ", ZeroRetentionByAccountContract)}], NetworkTimeout = {NetworkTimeout} }}";
}
