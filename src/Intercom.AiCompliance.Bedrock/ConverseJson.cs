using System.Text.Json;
using Intercom.AiCompliance.Providers;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Bedrock;

/// <summary>
/// The Converse request body built from M.E.AI messages and options (field names as in the Bedrock Runtime API model:
/// <c>messages</c>, <c>system</c>, <c>inferenceConfig</c>, <c>toolConfig</c>, <c>toolUse</c>/<c>toolResult</c> blocks),
/// and the reading of Converse answers back into M.E.AI content.
/// </summary>
internal static class ConverseJson
{
    public static byte[] Request(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            var all = messages.ToList();
            var system = all.Where(m => m.Role == ChatRole.System).SelectMany(m => m.Contents.OfType<TextContent>()).Where(t => !string.IsNullOrEmpty(t.Text)).ToList();
            var instructions = options?.Instructions;
            if (system.Count > 0 || !string.IsNullOrEmpty(instructions))
            {
                w.WriteStartArray("system");
                if (!string.IsNullOrEmpty(instructions))
                {
                    w.WriteStartObject();
                    w.WriteString("text", instructions);
                    w.WriteEndObject();
                }

                foreach (var t in system)
                {
                    w.WriteStartObject();
                    w.WriteString("text", t.Text);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteStartArray("messages");
            foreach (var (role, contents) in Turns(all))
            {
                w.WriteStartObject();
                w.WriteString("role", role);
                w.WriteStartArray("content");
                foreach (var content in contents)
                {
                    WriteBlock(w, content);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteInferenceConfig(w, options);
            WriteToolConfig(w, options);
            WritePassThrough(w, options);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Bedrock takes alternating user and assistant turns: system messages go to <c>system</c>, tool results (the
    /// <see cref="ChatRole.Tool"/> role) are user content, and consecutive messages of one role become one turn.
    /// </summary>
    private static List<(string Role, List<AIContent> Contents)> Turns(List<ChatMessage> messages)
    {
        var turns = new List<(string Role, List<AIContent> Contents)>();
        foreach (var m in messages)
        {
            if (m.Role == ChatRole.System)
            {
                continue;
            }

            var role = m.Role == ChatRole.Assistant ? "assistant" : "user";
            var contents = m.Contents.Where(c => c is not TextContent { Text.Length: 0 } and not UsageContent).ToList();
            if (contents.Count == 0)
            {
                continue;
            }

            if (turns.Count > 0 && turns[^1].Role == role)
            {
                turns[^1].Contents.AddRange(contents);
            }
            else
            {
                turns.Add((role, contents));
            }
        }

        return turns;
    }

    private static void WriteBlock(Utf8JsonWriter w, AIContent content)
    {
        w.WriteStartObject();
        switch (content)
        {
            case TextContent text:
                w.WriteString("text", text.Text);
                break;
            case DataContent data when data.HasTopLevelMediaType("image"):
                w.WriteStartObject("image");
                w.WriteString("format", Format(data.MediaType));
                w.WriteStartObject("source");
                w.WriteBase64String("bytes", data.Data.Span);
                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case DataContent data:
                w.WriteStartObject("document");
                w.WriteString("format", Format(data.MediaType));
                w.WriteString("name", string.IsNullOrWhiteSpace(data.Name) ? "document" : data.Name);
                w.WriteStartObject("source");
                w.WriteBase64String("bytes", data.Data.Span);
                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case FunctionCallContent call:
                w.WriteStartObject("toolUse");
                w.WriteString("toolUseId", call.CallId);
                w.WriteString("name", call.Name);
                w.WritePropertyName("input");
                JsonSerializer.Serialize(w, call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
                w.WriteEndObject();
                break;
            case FunctionResultContent result:
                w.WriteStartObject("toolResult");
                w.WriteString("toolUseId", result.CallId);
                w.WriteStartArray("content");
                w.WriteStartObject();
                WriteToolResult(w, result.Result);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteString("status", result.Exception is null ? "success" : "error");
                w.WriteEndObject();
                break;
            default:
                // Sending part of what the caller gave would change the question; refuse before anything leaves.
                throw new ProviderException(ProviderFailureKind.BadRequest, $"Bedrock Converse cannot carry {content.GetType().Name} content.");
        }

        w.WriteEndObject();
    }

    private static void WriteToolResult(Utf8JsonWriter w, object? result)
    {
        switch (result)
        {
            case null:
                w.WriteString("text", "");
                break;
            case string s:
                w.WriteString("text", s);
                break;
            default:
                var element = result is JsonElement e ? e : JsonSerializer.SerializeToElement(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType()));
                if (element.ValueKind == JsonValueKind.Object)
                {
                    w.WritePropertyName("json");
                    element.WriteTo(w);
                }
                else
                {
                    // A tool result's json must be an object; anything else travels as its JSON text.
                    w.WriteString("text", element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText());
                }

                break;
        }
    }

    private static string Format(string mediaType)
    {
        var sub = mediaType.Split('/').Last().Split(';')[0].Trim().ToLowerInvariant();
        return sub switch
        {
            "jpg" => "jpeg",
            "plain" => "txt",
            "markdown" => "md",
            "vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
            "msword" => "doc",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
            "vnd.ms-excel" => "xls",
            _ => sub,
        };
    }

    /// <summary>
    /// Converse fields with no <see cref="ChatOptions"/> property, taken as they are from <see cref="ChatOptions.AdditionalProperties"/>:
    /// <c>additionalModelRequestFields</c> (model-specific parameters such as Anthropic's <c>top_k</c>),
    /// <c>additionalModelResponseFieldPaths</c> and <c>guardrailConfig</c>.
    /// </summary>
    internal static readonly string[] PassThroughFields = ["additionalModelRequestFields", "additionalModelResponseFieldPaths", "guardrailConfig"];

    private static void WritePassThrough(Utf8JsonWriter w, ChatOptions? o)
    {
        if (o?.AdditionalProperties is not { Count: > 0 } extra)
        {
            return;
        }

        foreach (var field in PassThroughFields)
        {
            if (extra.TryGetValue(field, out var value) && value is not null)
            {
                w.WritePropertyName(field);
                JsonSerializer.Serialize(w, value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()));
            }
        }
    }

    private static void WriteInferenceConfig(Utf8JsonWriter w, ChatOptions? o)
    {
        if (o is null || (o.MaxOutputTokens is null && o.Temperature is null && o.TopP is null && o.StopSequences is not { Count: > 0 }))
        {
            return;
        }

        w.WriteStartObject("inferenceConfig");
        if (o.MaxOutputTokens is { } max)
        {
            w.WriteNumber("maxTokens", max);
        }

        if (o.Temperature is { } temperature)
        {
            w.WriteNumber("temperature", temperature);
        }

        if (o.TopP is { } topP)
        {
            w.WriteNumber("topP", topP);
        }

        if (o.StopSequences is { Count: > 0 } stops)
        {
            w.WriteStartArray("stopSequences");
            foreach (var s in stops)
            {
                w.WriteStringValue(s);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WriteToolConfig(Utf8JsonWriter w, ChatOptions? o)
    {
        var tools = o?.Tools?.OfType<AIFunctionDeclaration>().ToList();
        if (tools is not { Count: > 0 } || o!.ToolMode is NoneChatToolMode)
        {
            return;
        }

        w.WriteStartObject("toolConfig");
        w.WriteStartArray("tools");
        foreach (var tool in tools)
        {
            w.WriteStartObject();
            w.WriteStartObject("toolSpec");
            w.WriteString("name", tool.Name);
            if (!string.IsNullOrWhiteSpace(tool.Description))
            {
                w.WriteString("description", tool.Description);
            }

            w.WriteStartObject("inputSchema");
            w.WritePropertyName("json");
            tool.JsonSchema.WriteTo(w);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        switch (o.ToolMode)
        {
            case RequiredChatToolMode { RequiredFunctionName: { } name }:
                w.WriteStartObject("toolChoice");
                w.WriteStartObject("tool");
                w.WriteString("name", name);
                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case RequiredChatToolMode:
                w.WriteStartObject("toolChoice");
                w.WriteStartObject("any");
                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case AutoChatToolMode:
                w.WriteStartObject("toolChoice");
                w.WriteStartObject("auto");
                w.WriteEndObject();
                w.WriteEndObject();
                break;
        }

        w.WriteEndObject();
    }

    /// <summary>Reads one content block of an answer (text or toolUse; other kinds are skipped).</summary>
    public static AIContent? Block(JsonElement block)
    {
        if (block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
        {
            return new TextContent(text.GetString());
        }

        if (block.TryGetProperty("toolUse", out var use) && use.ValueKind == JsonValueKind.Object)
        {
            var id = use.GetProperty("toolUseId").GetString() ?? throw new JsonException("toolUse without toolUseId");
            var name = use.GetProperty("name").GetString() ?? throw new JsonException("toolUse without name");
            return new FunctionCallContent(id, name, Arguments(use.TryGetProperty("input", out var input) ? input : default));
        }

        return null;
    }

    public static Dictionary<string, object?> Arguments(JsonElement input)
    {
        var args = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (input.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in input.EnumerateObject())
            {
                args[p.Name] = p.Value.Clone();
            }
        }

        return args;
    }

    public static UsageDetails? Usage(JsonElement root)
    {
        if (!root.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new UsageDetails
        {
            InputTokenCount = Int(usage, "inputTokens"),
            OutputTokenCount = Int(usage, "outputTokens"),
            TotalTokenCount = Int(usage, "totalTokens"),
        };
    }

    /// <summary>
    /// Maps a stop reason. <c>guardrail_intervened</c> and <c>content_filtered</c> are refusals: they throw, so the
    /// guardrail's replacement text is never served as an answer and the request is never routed elsewhere.
    /// </summary>
    public static ChatFinishReason FinishReason(string? stopReason) => stopReason switch
    {
        "end_turn" or "stop_sequence" => ChatFinishReason.Stop,
        "max_tokens" or "model_context_window_exceeded" => ChatFinishReason.Length,
        "tool_use" => ChatFinishReason.ToolCalls,
        "guardrail_intervened" or "content_filtered" => throw BedrockErrors.Refusal(stopReason),
        null => throw BedrockErrors.Malformed("no stopReason"),
        _ => new ChatFinishReason(stopReason),
    };

    private static long? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
}
