using System.Net.Http.Headers;
using Intercom.AiCompliance.Bedrock.Signing;
using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.Bedrock;

/// <summary>Sends one signed JSON request of a deployment and turns every error answer into a classified failure.</summary>
internal sealed class BedrockTransport
{
    private readonly HttpClient _http;
    private readonly BedrockCredentialSource _credentials;
    private readonly TimeProvider _time;

    public BedrockTransport(HttpClient http, BedrockEndpoint endpoint, BedrockCredentialSource credentials, TimeProvider time, BedrockProviderOptions options)
    {
        _http = http;
        Endpoint = endpoint;
        _credentials = credentials;
        _time = time;
        Options = options;
    }

    public BedrockEndpoint Endpoint { get; }

    public BedrockProviderOptions Options { get; }

    /// <summary>
    /// POSTs <paramref name="body"/> to the model's <paramref name="operation"/>, signed with SigV4, and returns the
    /// successful response (headers read; the body is left to the caller, so a stream can be read as it arrives).
    /// </summary>
    /// <exception cref="ProviderException">Bedrock answered with an error, or the credentials could not be resolved.</exception>
    public async Task<HttpResponseMessage> PostAsync(string operation, byte[] body, string accept, CancellationToken cancellationToken)
    {
        var credentials = await _credentials.GetAsync().ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint.OperationUri(operation))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd(accept);
        SigV4.Sign(request, body, credentials, Endpoint.Region, BedrockEndpoint.SigningService, _time.GetUtcNow());

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.NetworkTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(ProviderFailureKind.Timeout, $"Bedrock did not answer within {Options.NetworkTimeout}.");
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            string? text = null;
            try
            {
                text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException)
            {
            }

            throw BedrockErrors.FromHttp((int)response.StatusCode, response.Headers, text);
        }
    }

    /// <summary>The request id Bedrock gives each call (<c>x-amzn-RequestId</c>), used as the response id.</summary>
    public static string? RequestId(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-RequestId", out var values) ? values.FirstOrDefault() : null;
}
