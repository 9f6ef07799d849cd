using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Intercom.AiCompliance.Vertex;

/// <summary>
/// Sends one Vertex AI request: JSON body, <c>Authorization: Bearer</c> with a cached access token, and an error answer turned
/// into a classified <see cref="Providers.ProviderException"/>. The caller disposes the successful response.
/// </summary>
internal sealed class VertexHttp(HttpClient http, CachedVertexAccessTokenSource tokens, TimeProvider time)
{
    public async Task<HttpResponseMessage> PostAsync(Uri uri, JsonObject body, bool stream, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream ? "text/event-stream" : "application/json"));
        var response = await http.SendAsync(request, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken)
            .ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await VertexFailures.FromResponseAsync(response, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
