using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Intercom.AiCompliance.Providers;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.ElevenLabs;

/// <summary>
/// An <see cref="ITextToSpeechClient"/> for ElevenLabs: <c>POST /v1/text-to-speech/{voice_id}</c> for the whole audio and
/// <c>POST /v1/text-to-speech/{voice_id}/stream</c> for audio streamed as it is produced, with <c>output_format</c> in the
/// query and <c>text</c>, <c>model_id</c>, <c>language_code</c> and <c>voice_settings.speed</c> in the JSON body.
/// </summary>
internal sealed class ElevenLabsTextToSpeechClient : ITextToSpeechClient
{
    private readonly ElevenLabsHttp _http;
    private readonly string _model;
    private readonly string? _defaultVoice;
    private readonly string _defaultFormat;
    private readonly TextToSpeechClientMetadata _metadata;

    public ElevenLabsTextToSpeechClient(ElevenLabsHttp http, Uri endpoint, string model, string? defaultVoice, string defaultFormat)
    {
        _http = http;
        _model = model;
        _defaultVoice = defaultVoice;
        _defaultFormat = defaultFormat;
        _metadata = new TextToSpeechClientMetadata("elevenlabs", endpoint, model);
    }

    public async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (uri, body, format, model) = Request(text, options, stream: false);
        using var response = await _http.PostAsync(uri, body, "audio/*", stream: false, cancellationToken).ConfigureAwait(false);
        var audio = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (audio.Length == 0)
        {
            throw new InvalidDataException("ElevenLabs answered with no audio.");
        }

        return new TextToSpeechResponse([new DataContent(audio, MediaType(response, format))])
        {
            ModelId = model,
            ResponseId = ElevenLabsHttp.RequestId(response),
        };
    }

    public async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(string text, TextToSpeechOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (uri, body, format, model) = Request(text, options, stream: true);
        using var response = await _http.PostAsync(uri, body, "audio/*", stream: true, cancellationToken).ConfigureAwait(false);
        var mediaType = MediaType(response, format);
        var id = ElevenLabsHttp.RequestId(response);
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        var total = 0L;
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
            yield return new TextToSpeechResponseUpdate([new DataContent(buffer.AsSpan(0, read).ToArray(), mediaType)])
            {
                Kind = TextToSpeechResponseUpdateKind.AudioUpdating,
                ModelId = model,
                ResponseId = id,
            };
        }

        if (total == 0)
        {
            throw new InvalidDataException("ElevenLabs streamed no audio.");
        }

        yield return new TextToSpeechResponseUpdate([]) { Kind = TextToSpeechResponseUpdateKind.SessionClose, ModelId = model, ResponseId = id };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(TextToSpeechClientMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The HttpClient belongs to IHttpClientFactory.
    }

    private (Uri Uri, HttpContent Body, string Format, string Model) Request(string text, TextToSpeechOptions? options, bool stream)
    {
        var voice = options?.VoiceId ?? _defaultVoice;
        if (string.IsNullOrWhiteSpace(voice) || !voice.All(char.IsAsciiLetterOrDigit))
        {
            throw new ProviderException(ProviderFailureKind.BadRequest,
                "ElevenLabs: no voice, or a voice id that is not letters and digits: set TextToSpeechOptions.VoiceId or AiComplianceElevenLabs:DefaultVoiceId.");
        }

        var format = OutputFormat(options?.AudioFormat) ?? _defaultFormat;
        var model = string.IsNullOrWhiteSpace(options?.ModelId) ? _model : options.ModelId;
        var body = new JsonObject { ["text"] = text, ["model_id"] = model };
        if (options?.Language is { Length: >= 2 } language)
        {
            // ElevenLabs takes an ISO 639-1 code; a BCP 47 tag such as en-US gives 'en'.
            body["language_code"] = language.Split('-', '_')[0].ToLowerInvariant();
        }

        if (options?.Speed is { } speed)
        {
            body["voice_settings"] = new JsonObject { ["speed"] = speed };
        }

        var path = "/v1/text-to-speech/" + voice + (stream ? "/stream" : "");
        var uri = _http.Address(path, ("output_format", format));
        return (uri, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), format, model);
    }

    /// <summary>
    /// The <c>output_format</c> for a requested format: an ElevenLabs name (<c>mp3_44100_128</c>, <c>pcm_16000</c>) as is, and
    /// a media type or short name mapped (<c>audio/mpeg</c> or <c>mp3</c> to <c>mp3_44100_128</c>, <c>pcm</c> to <c>pcm_24000</c>,
    /// <c>opus</c> to <c>opus_48000_128</c>, <c>ulaw</c> or <c>audio/basic</c> to <c>ulaw_8000</c>, <c>wav</c> to <c>wav_44100</c>).
    /// </summary>
    internal static string? OutputFormat(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return null;
        }

        var r = requested.Trim().ToLowerInvariant();
        if (r.Contains('_', StringComparison.Ordinal) && r.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            return r;
        }

        return r switch
        {
            "mp3" or "audio/mpeg" or "audio/mp3" => "mp3_44100_128",
            "pcm" or "audio/pcm" or "audio/l16" => "pcm_24000",
            "opus" or "audio/opus" or "audio/ogg" => "opus_48000_128",
            "ulaw" or "mulaw" or "audio/basic" => "ulaw_8000",
            "wav" or "audio/wav" or "audio/x-wav" => "wav_44100",
            _ => throw new ProviderException(ProviderFailureKind.BadRequest, "ElevenLabs: the requested audio format is not one ElevenLabs offers."),
        };
    }

    private static string MediaType(HttpResponseMessage response, string format) =>
        response.Content.Headers.ContentType?.MediaType is { Length: > 0 } t && t.StartsWith("audio/", StringComparison.OrdinalIgnoreCase)
            ? t
            : format.Split('_')[0] switch
            {
                "mp3" => "audio/mpeg",
                "pcm" => "audio/pcm",
                "opus" => "audio/ogg",
                "ulaw" or "alaw" => "audio/basic",
                "wav" => "audio/wav",
                _ => "application/octet-stream",
            };
}
