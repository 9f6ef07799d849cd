using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Providers.OpenAI;

/// <summary>
/// A real HTTP adapter for providers that speak the OpenAI REST shape (OpenAI, OpenAI EU data residency, and
/// compatible gateways): chat completions and embeddings, at the deployment's own endpoint.
/// </summary>
/// <remarks>
/// HTTP failures are classified for the router: 429 (with Retry-After in seconds, as a date, or
/// <c>retry-after-ms</c>) and 408/5xx are transient, 401/403 are authentication errors, a content-filter 400 is a
/// refusal, any other 4xx a bad request, and a failed connection is transient. Exception messages carry the
/// status only: a provider's error body can echo the prompt, so it is never read into a message.
/// </remarks>
public sealed class OpenAICompatibleAdapter : IProviderAdapter
{
    private readonly HttpClient _http;
    private readonly Func<ProviderDeployment, string?> _apiKey;

    /// <summary>Creates the adapter.</summary>
    /// <param name="provider">The provider kind it serves (OpenAI by default).</param>
    /// <param name="http">The HttpClient to use (from IHttpClientFactory in a host).</param>
    /// <param name="apiKey">Returns the API key for a deployment, from the host's secret store; never logged.</param>
    public OpenAICompatibleAdapter(HttpClient http, Func<ProviderDeployment, string?> apiKey, ProviderKind provider = ProviderKind.OpenAI)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(apiKey);
        _http = http;
        _apiKey = apiKey;
        Provider = provider;
    }

    /// <inheritdoc/>
    public ProviderKind Provider { get; }

    /// <inheritdoc/>
    public async ValueTask<AiOutput> InvokeAsync(ProviderDeployment deployment, AiPayload payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(payload);
        return payload switch
        {
            ChatPayload chat => await ChatAsync(deployment, chat, cancellationToken).ConfigureAwait(false),
            EmbeddingPayload embed => await EmbedAsync(deployment, embed, cancellationToken).ConfigureAwait(false),
            _ => throw new ProviderException(ProviderFailureKind.BadRequest, $"The OpenAI-compatible adapter does not serve {payload.Capability}."),
        };
    }

    private async Task<AiOutput> ChatAsync(ProviderDeployment deployment, ChatPayload chat, CancellationToken cancellationToken)
    {
        var body = new ChatRequestDto(deployment.Model, chat.Messages.Select(m => new MessageDto(m.Role.Value, m.Text)).ToArray(),
            chat.Options?.Temperature, chat.Options?.MaxOutputTokens);
        using var response = await SendAsync(deployment, "v1/chat/completions", JsonContent.Create(body, OpenAIJsonContext.Default.ChatRequestDto), cancellationToken).ConfigureAwait(false);
        var dto = await ReadAsync(response, OpenAIJsonContext.Default.ChatResponseDto, cancellationToken).ConfigureAwait(false);
        var text = dto.Choices is { Length: > 0 } choices ? choices[0].Message?.Content ?? string.Empty : string.Empty;
        return new ChatOutput(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { ModelId = dto.Model ?? deployment.Model });
    }

    private async Task<AiOutput> EmbedAsync(ProviderDeployment deployment, EmbeddingPayload embed, CancellationToken cancellationToken)
    {
        var body = new EmbeddingRequestDto(deployment.Model, embed.Inputs.ToArray());
        using var response = await SendAsync(deployment, "v1/embeddings", JsonContent.Create(body, OpenAIJsonContext.Default.EmbeddingRequestDto), cancellationToken).ConfigureAwait(false);
        var dto = await ReadAsync(response, OpenAIJsonContext.Default.EmbeddingResponseDto, cancellationToken).ConfigureAwait(false);
        var vectors = (dto.Data ?? []).OrderBy(d => d.Index).Select(d => (ReadOnlyMemory<float>)(d.Embedding ?? [])).ToArray();
        if (vectors.Length != embed.Inputs.Count)
        {
            throw new ProviderException(ProviderFailureKind.ServerError, $"Deployment '{deployment.Id}' returned {vectors.Length} embeddings for {embed.Inputs.Count} inputs.");
        }

        return new EmbeddingOutput(vectors);
    }

    private async Task<HttpResponseMessage> SendAsync(ProviderDeployment deployment, string path, HttpContent content, CancellationToken cancellationToken)
    {
        var baseUri = deployment.Endpoint.EndsWith('/') ? deployment.Endpoint : deployment.Endpoint + "/";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(baseUri), path)) { Content = content };
        if (_apiKey(deployment) is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException(ProviderFailureKind.ConnectionFailure, $"Could not reach deployment '{deployment.Id}' ({ex.HttpRequestError}).", innerException: null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout elapsed (a TaskCanceledException with an inner TimeoutException) while the router had
            // not cancelled: the deployment was too slow. Transient, so the router retries or fails over.
            throw new ProviderException(ProviderFailureKind.Timeout, $"Deployment '{deployment.Id}' did not answer within the HTTP client's timeout.", innerException: null);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var kind = ProviderException.KindForStatus(status);
            if (status == 400 && await IsContentFilterAsync(response, cancellationToken).ConfigureAwait(false))
            {
                kind = ProviderFailureKind.ContentPolicyRefusal;
            }

            throw new ProviderException(kind, $"Deployment '{deployment.Id}' answered HTTP {status}.", status, RetryAfter(response));
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
                ?? throw new ProviderException(ProviderFailureKind.ServerError, "The provider answered an empty body.");
        }
        catch (JsonException)
        {
            throw new ProviderException(ProviderFailureKind.ServerError, "The provider answered a body that is not the expected JSON.");
        }
    }

    private static async Task<bool> IsContentFilterAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Only the error code is read; the message (which may quote the prompt) is never kept.
        try
        {
            var error = await response.Content.ReadFromJsonAsync(OpenAIJsonContext.Default.ErrorEnvelopeDto, cancellationToken).ConfigureAwait(false);
            var code = error?.Error?.Code;
            return code is "content_filter" or "content_policy_violation" or "content_filtered";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads Retry-After (seconds or HTTP date) or OpenAI's <c>retry-after-ms</c>.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
        {
            return TimeSpan.FromMilliseconds(millis);
        }

        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}

internal sealed record MessageDto([property: JsonPropertyName("role")] string Role, [property: JsonPropertyName("content")] string Content);

internal sealed record ChatRequestDto(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("messages")] MessageDto[] Messages,
    [property: JsonPropertyName("temperature"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Temperature,
    [property: JsonPropertyName("max_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxTokens);

internal sealed class ChatResponseDto
{
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    [JsonPropertyName("choices")]
    public ChoiceDto[]? Choices { get; set; }
}

internal sealed class ChoiceDto
{
    [JsonPropertyName("message")]
    public ResponseMessageDto? Message { get; set; }
}

internal sealed class ResponseMessageDto
{
    [JsonPropertyName("content")]
    public string? Content { get; set; }
}

internal sealed record EmbeddingRequestDto([property: JsonPropertyName("model")] string Model, [property: JsonPropertyName("input")] string[] Input);

internal sealed class EmbeddingResponseDto
{
    [JsonPropertyName("data")]
    public EmbeddingDataDto[]? Data { get; set; }
}

internal sealed class EmbeddingDataDto
{
    [JsonPropertyName("index")]
    public int Index { get; set; }

    [JsonPropertyName("embedding")]
    public float[]? Embedding { get; set; }
}

internal sealed class ErrorEnvelopeDto
{
    [JsonPropertyName("error")]
    public ErrorDto? Error { get; set; }
}

internal sealed class ErrorDto
{
    [JsonPropertyName("code")]
    public string? Code { get; set; }
}

[JsonSerializable(typeof(ChatRequestDto))]
[JsonSerializable(typeof(ChatResponseDto))]
[JsonSerializable(typeof(EmbeddingRequestDto))]
[JsonSerializable(typeof(EmbeddingResponseDto))]
[JsonSerializable(typeof(ErrorEnvelopeDto))]
internal sealed partial class OpenAIJsonContext : JsonSerializerContext;
