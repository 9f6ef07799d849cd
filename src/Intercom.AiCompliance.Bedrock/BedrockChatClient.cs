using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Intercom.AiCompliance.Bedrock.EventStream;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Bedrock;

/// <summary>
/// An <see cref="IChatClient"/> over Bedrock Runtime's Converse (<c>POST /model/{modelId}/converse</c>) and
/// ConverseStream (<c>POST /model/{modelId}/converse-stream</c>, answered in the AWS event-stream framing) for one
/// catalogue deployment, signed with SigV4. The model is always the deployment's; a caller's <c>ModelId</c> is ignored.
/// </summary>
/// <remarks>
/// Failures are <see cref="Providers.ProviderException"/>s: HTTP errors and exception events by their AWS error type,
/// a corrupted or cut frame as a connection failure, an unreadable answer as a bad request, and a guardrail
/// intervention (<c>guardrail_intervened</c>, <c>content_filtered</c>) as a refusal. No message of Bedrock's, and no
/// content, is put into an exception.
/// </remarks>
internal sealed class BedrockChatClient : IChatClient
{
    private readonly BedrockTransport _transport;
    private readonly ChatClientMetadata _metadata;

    public BedrockChatClient(BedrockTransport transport)
    {
        _transport = transport;
        _metadata = new ChatClientMetadata("aws.bedrock", transport.Endpoint.BaseAddress, transport.Endpoint.ModelId);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var body = ConverseJson.Request(messages, options);
        using var response = await _transport.PostAsync("converse", body, "application/json", cancellationToken).ConfigureAwait(false);
        JsonDocument json;
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            json = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            throw BedrockErrors.Malformed("the Converse body is not JSON");
        }

        using (json)
        {
            try
            {
                var root = json.RootElement;
                var finish = ConverseJson.FinishReason(root.TryGetProperty("stopReason", out var stop) && stop.ValueKind == JsonValueKind.String ? stop.GetString() : null);
                var message = root.GetProperty("output").GetProperty("message");
                var contents = new List<AIContent>();
                foreach (var block in message.GetProperty("content").EnumerateArray())
                {
                    if (ConverseJson.Block(block) is { } content)
                    {
                        contents.Add(content);
                    }
                }

                return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
                {
                    FinishReason = finish,
                    Usage = ConverseJson.Usage(root),
                    ModelId = _transport.Endpoint.ModelId,
                    ResponseId = BedrockTransport.RequestId(response),
                };
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or JsonException)
            {
                throw BedrockErrors.Malformed("the Converse body lacks its output message");
            }
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var body = ConverseJson.Request(messages, options);
        using var response = await _transport.PostAsync("converse-stream", body, "application/vnd.amazon.eventstream", cancellationToken).ConfigureAwait(false);
        var responseId = BedrockTransport.RequestId(response);
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var reader = new EventStreamReader(stream, _transport.Options.MaxEventStreamFrameBytes);
        var tools = new Dictionary<int, (string Id, string Name, StringBuilder Input)>();
        var stopped = false;
        while (true)
        {
            EventStreamMessage? message;
            try
            {
                message = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (EventStreamFormatException ex)
            {
                throw BedrockErrors.CorruptedStream(ex);
            }

            if (message is null)
            {
                break;
            }

            if (message.Header(":message-type") is not "event")
            {
                throw BedrockErrors.FromStreamEvent(message);
            }

            var update = Read(message, tools, ref stopped);
            if (update is not null)
            {
                update.ResponseId = responseId;
                update.ModelId = _transport.Endpoint.ModelId;
                yield return update;
            }
        }

        if (!stopped)
        {
            throw BedrockErrors.CorruptedStream(new EventStreamFormatException("the event stream ended before messageStop."));
        }
    }

    private static ChatResponseUpdate? Read(EventStreamMessage message, Dictionary<int, (string Id, string Name, StringBuilder Input)> tools, ref bool stopped)
    {
        var type = message.Header(":event-type");
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(message.Payload);
        }
        catch (JsonException)
        {
            throw BedrockErrors.Malformed($"the {type ?? "untyped"} event is not JSON");
        }

        using (json)
        {
            try
            {
                var e = json.RootElement;
                switch (type)
                {
                    case "messageStart":
                        // Carries only the role, which every update states; yielding nothing keeps a refusal that follows
                        // (a guardrail at messageStop) ahead of the first update, so it is a refusal, not an interruption.
                        return null;
                    case "contentBlockStart":
                        if (e.GetProperty("start").TryGetProperty("toolUse", out var start))
                        {
                            tools[e.GetProperty("contentBlockIndex").GetInt32()] =
                                (start.GetProperty("toolUseId").GetString()!, start.GetProperty("name").GetString()!, new StringBuilder());
                        }

                        return null;
                    case "contentBlockDelta":
                        var delta = e.GetProperty("delta");
                        if (delta.TryGetProperty("text", out var text))
                        {
                            return new ChatResponseUpdate(ChatRole.Assistant, text.GetString());
                        }

                        if (delta.TryGetProperty("toolUse", out var toolDelta) && tools.TryGetValue(e.GetProperty("contentBlockIndex").GetInt32(), out var pending))
                        {
                            pending.Input.Append(toolDelta.GetProperty("input").GetString());
                        }

                        return null;
                    case "contentBlockStop":
                        var index = e.GetProperty("contentBlockIndex").GetInt32();
                        if (!tools.Remove(index, out var tool))
                        {
                            return null;
                        }

                        using (var input = JsonDocument.Parse(tool.Input.Length == 0 ? "{}" : tool.Input.ToString()))
                        {
                            return new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent(tool.Id, tool.Name, ConverseJson.Arguments(input.RootElement))]);
                        }

                    case "messageStop":
                        stopped = true;
                        return new ChatResponseUpdate
                        {
                            Role = ChatRole.Assistant,
                            FinishReason = ConverseJson.FinishReason(e.TryGetProperty("stopReason", out var stop) ? stop.GetString() : null),
                        };
                    case "metadata":
                        return ConverseJson.Usage(e) is { } usage ? new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)]) : null;
                    default:
                        // An event type added after this client was written carries nothing it could show.
                        return null;
                }
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or JsonException or FormatException)
            {
                throw BedrockErrors.Malformed($"the {type} event lacks a required field");
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
