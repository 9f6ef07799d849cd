using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.ElevenLabs;

/// <summary>
/// Sends one ElevenLabs request of one deployment: the address under the deployment's endpoint with <c>enable_logging=false</c>
/// when the deployment relies on zero retention mode, the <c>xi-api-key</c> header, and an error answer turned into a classified
/// <see cref="Providers.ProviderException"/>. The caller disposes the successful response.
/// </summary>
internal sealed class ElevenLabsHttp
{
    private readonly HttpClient _http;
    private readonly string _apiKey;
    private readonly Uri _base;
    private readonly bool _zeroRetention;
    private readonly TimeProvider _time;

    public ElevenLabsHttp(HttpClient http, ProviderDeployment deployment, string apiKey, bool zeroRetention, TimeProvider time)
    {
        if (!Uri.TryCreate(deployment.Endpoint, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"ElevenLabs deployment '{deployment.Id}' has no absolute endpoint.");
        }

        _http = http;
        _apiKey = apiKey;
        _base = uri;
        _zeroRetention = zeroRetention;
        _time = time;
    }

    /// <summary>The address of <paramref name="path"/> (such as <c>/v1/speech-to-text</c>) with its query parameters.</summary>
    public Uri Address(string path, params (string Name, string Value)[] query)
    {
        var all = query.AsEnumerable();
        if (_zeroRetention)
        {
            all = all.Append((ZeroRetentionGuardHandler.Parameter, "false"));
        }

        var text = string.Join("&", all.Select(q => Uri.EscapeDataString(q.Name) + "=" + Uri.EscapeDataString(q.Value)));
        return new UriBuilder(_base) { Path = _base.AbsolutePath.TrimEnd('/') + path, Query = text }.Uri;
    }

    public async Task<HttpResponseMessage> PostAsync(Uri uri, HttpContent content, string accept, bool stream, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.TryAddWithoutValidation("xi-api-key", _apiKey);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        var response = await _http.SendAsync(request, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken)
            .ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ElevenLabsFailures.FromResponseAsync(response, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The id ElevenLabs gives the request (<c>request-id</c> header), when it sends one.</summary>
    public static string? RequestId(HttpResponseMessage response) =>
        response.Headers.TryGetValues("request-id", out var values) ? values.FirstOrDefault() : null;
}
