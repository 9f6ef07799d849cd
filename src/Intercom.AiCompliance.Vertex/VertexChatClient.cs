using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Vertex;

/// <summary>
/// An <see cref="IChatClient"/> for a Gemini model on Vertex AI: <c>generateContent</c> for a whole answer and
/// <c>streamGenerateContent?alt=sse</c> for a streamed one, at the deployment's regional endpoint.
/// </summary>
internal sealed class VertexChatClient : IChatClient
{
    private readonly VertexEndpoint _endpoint;
    private readonly VertexHttp _http;
    private readonly ChatClientMetadata _metadata;

    public VertexChatClient(VertexEndpoint endpoint, VertexHttp http, string model)
    {
        _endpoint = endpoint;
        _http = http;
        _metadata = new ChatClientMetadata("gcp.vertex_ai", endpoint.ModelUri, model);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var body = VertexGenerateContent.BuildRequest(messages, options);
        using var response = await _http.PostAsync(_endpoint.Method("generateContent"), body, stream: false, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var answer = VertexGenerateContent.Parse(text, chunk: false, NewCallId);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer.Contents) { MessageId = answer.ResponseId })
        {
            ResponseId = answer.ResponseId,
            ModelId = answer.ModelVersion,
            FinishReason = answer.FinishReason,
            Usage = answer.Usage,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var body = VertexGenerateContent.BuildRequest(messages, options);
        using var response = await _http.PostAsync(_endpoint.Method("streamGenerateContent", "alt=sse"), body, stream: true, cancellationToken).ConfigureAwait(false);
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        UsageDetails? usage = null;
        string? responseId = null;
        string? model = null;
        var data = new StringBuilder();
        var finished = false;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null || line.Length == 0)
            {
                if (data.Length > 0)
                {
                    var answer = VertexGenerateContent.Parse(data.ToString(), chunk: true, NewCallId);
                    data.Clear();
                    usage = answer.Usage ?? usage;
                    responseId = answer.ResponseId ?? responseId;
                    model = answer.ModelVersion ?? model;
                    finished |= answer.FinishReason is not null;
                    if (answer.Contents.Count > 0 || answer.FinishReason is not null)
                    {
                        yield return new ChatResponseUpdate(ChatRole.Assistant, answer.Contents)
                        {
                            ResponseId = responseId,
                            MessageId = responseId,
                            ModelId = model,
                            FinishReason = answer.FinishReason,
                        };
                    }
                }

                if (line is null)
                {
                    break;
                }

                continue;
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (data.Length > 0)
                {
                    data.Append('\n');
                }

                data.Append(line.AsSpan(5).TrimStart(' '));
            }

            // Other SSE fields (event:, id:, retry:, comments) carry nothing for generateContent.
        }

        if (!finished)
        {
            // The stream ended without a finish reason: the answer is cut off, and must not pass as complete.
            throw new InvalidDataException("Vertex AI's stream ended before the answer finished.");
        }

        if (usage is not null)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)]) { ResponseId = responseId, MessageId = responseId, ModelId = model };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The HttpClient belongs to IHttpClientFactory.
    }

    private static string NewCallId() => "call_" + Guid.NewGuid().ToString("N");
}
