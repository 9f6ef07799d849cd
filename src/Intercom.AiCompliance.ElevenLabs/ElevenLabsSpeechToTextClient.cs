using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.ElevenLabs;

/// <summary>
/// An <see cref="ISpeechToTextClient"/> for ElevenLabs: <c>POST /v1/speech-to-text</c> as <c>multipart/form-data</c> with the
/// audio as <c>file</c>, <c>model_id</c> and, when the caller names the spoken language, <c>language_code</c>; the answer's
/// <c>text</c> is the transcript. The streaming variant transcribes the whole audio, then hands the text out as updates.
/// </summary>
internal sealed class ElevenLabsSpeechToTextClient : ISpeechToTextClient
{
    private readonly ElevenLabsHttp _http;
    private readonly string _model;
    private readonly SpeechToTextClientMetadata _metadata;

    public ElevenLabsSpeechToTextClient(ElevenLabsHttp http, Uri endpoint, string model)
    {
        _http = http;
        _model = model;
        _metadata = new SpeechToTextClientMetadata("elevenlabs", endpoint, model);
    }

    public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audioSpeechStream);
        var model = string.IsNullOrWhiteSpace(options?.ModelId) ? _model : options.ModelId;
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(audioSpeechStream);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "audio");
        form.Add(new StringContent(model), "model_id");
        if (options?.SpeechLanguage is { Length: >= 2 } language)
        {
            form.Add(new StringContent(language.Split('-', '_')[0].ToLowerInvariant()), "language_code");
        }

        using var response = await _http.PostAsync(_http.Address("/v1/speech-to-text"), form, "application/json", stream: false, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string text;
        try
        {
            using var json = JsonDocument.Parse(body);
            text = json.RootElement.GetProperty("text").GetString() ?? throw new InvalidDataException();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException)
        {
            throw new InvalidDataException("ElevenLabs answered with a body that is not a transcript.");
        }

        return new SpeechToTextResponse(text) { ModelId = model, ResponseId = ElevenLabsHttp.RequestId(response) };
    }

    public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetTextAsync(audioSpeechStream, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToSpeechToTextResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(SpeechToTextClientMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The HttpClient belongs to IHttpClientFactory.
    }
}
