using System.Text.Json;
using System.Text.Json.Nodes;
using Intercom.AiCompliance.Providers;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Vertex;

/// <summary>
/// The Vertex AI <c>GenerateContentRequest</c> and <c>GenerateContentResponse</c> JSON (API v1), to and from
/// Microsoft.Extensions.AI types: contents with roles <c>user</c> and <c>model</c>, <c>systemInstruction</c>,
/// <c>tools[].functionDeclarations</c>, <c>toolConfig</c>, <c>functionCall</c> / <c>functionResponse</c> parts,
/// <c>generationConfig</c>, <c>usageMetadata</c> and <c>finishReason</c>.
/// </summary>
internal static class VertexGenerateContent
{
    /// <summary>Finish reasons and prompt block reasons that mean Google's filters refused the content.</summary>
    private static readonly HashSet<string> RefusalReasons = new(StringComparer.Ordinal)
    {
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "OTHER_SAFETY",
    };

    public static JsonObject BuildRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var request = new JsonObject();
        var contents = new JsonArray();
        var system = new JsonArray();
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System)
            {
                foreach (var text in message.Contents.OfType<TextContent>())
                {
                    system.Add(new JsonObject { ["text"] = text.Text });
                }

                continue;
            }

            var parts = new JsonArray();
            foreach (var content in message.Contents)
            {
                if (Part(content, callNames) is { } part)
                {
                    parts.Add(part);
                }
            }

            if (parts.Count == 0)
            {
                continue;
            }

            // Vertex AI knows two roles: the model's turns, and everything else (user turns and function results) as 'user'.
            var role = message.Role == ChatRole.Assistant ? "model" : "user";
            contents.Add(new JsonObject { ["role"] = role, ["parts"] = parts });
        }

        request["contents"] = contents;
        if (system.Count > 0)
        {
            request["systemInstruction"] = new JsonObject { ["parts"] = system };
        }

        if (options is null)
        {
            return request;
        }

        var declarations = new JsonArray();
        foreach (var tool in options.Tools ?? [])
        {
            if (tool is AIFunctionDeclaration f)
            {
                var declaration = new JsonObject { ["name"] = f.Name };
                if (!string.IsNullOrEmpty(f.Description))
                {
                    declaration["description"] = f.Description;
                }

                declaration["parametersJsonSchema"] = JsonNode.Parse(f.JsonSchema.GetRawText());
                declarations.Add(declaration);
            }
        }

        if (declarations.Count > 0)
        {
            request["tools"] = new JsonArray(new JsonObject { ["functionDeclarations"] = declarations });
            if (options.ToolMode is { } mode)
            {
                var config = new JsonObject();
                switch (mode)
                {
                    case NoneChatToolMode:
                        config["mode"] = "NONE";
                        break;
                    case RequiredChatToolMode required:
                        config["mode"] = "ANY";
                        if (required.RequiredFunctionName is { } name)
                        {
                            config["allowedFunctionNames"] = new JsonArray(name);
                        }

                        break;
                    default:
                        config["mode"] = "AUTO";
                        break;
                }

                request["toolConfig"] = new JsonObject { ["functionCallingConfig"] = config };
            }
        }

        var generation = new JsonObject();
        if (options.Temperature is { } temperature)
        {
            generation["temperature"] = temperature;
        }

        if (options.TopP is { } topP)
        {
            generation["topP"] = topP;
        }

        if (options.TopK is { } topK)
        {
            generation["topK"] = topK;
        }

        if (options.MaxOutputTokens is { } max)
        {
            generation["maxOutputTokens"] = max;
        }

        if (options.StopSequences is { Count: > 0 } stops)
        {
            generation["stopSequences"] = new JsonArray(stops.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        }

        if (options.Seed is { } seed)
        {
            generation["seed"] = seed;
        }

        if (options.PresencePenalty is { } presence)
        {
            generation["presencePenalty"] = presence;
        }

        if (options.FrequencyPenalty is { } frequency)
        {
            generation["frequencyPenalty"] = frequency;
        }

        if (options.ResponseFormat is ChatResponseFormatJson json)
        {
            generation["responseMimeType"] = "application/json";
            if (json.Schema is { } schema)
            {
                var node = JsonNode.Parse(schema.GetRawText());
                if (node is JsonObject o)
                {
                    // A JSON Schema document marker, which Vertex AI's OpenAPI schema does not accept.
                    o.Remove("$schema");
                }

                generation["responseSchema"] = node;
            }
        }

        if (generation.Count > 0)
        {
            request["generationConfig"] = generation;
        }

        return request;
    }

    private static JsonObject? Part(AIContent content, Dictionary<string, string> callNames)
    {
        switch (content)
        {
            case TextContent text:
                return new JsonObject { ["text"] = text.Text };
            case DataContent data:
                return new JsonObject { ["inlineData"] = new JsonObject { ["mimeType"] = data.MediaType, ["data"] = data.Base64Data.ToString() } };
            case UriContent uri:
                return new JsonObject { ["fileData"] = new JsonObject { ["mimeType"] = uri.MediaType, ["fileUri"] = uri.Uri.ToString() } };
            case FunctionCallContent call:
                callNames[call.CallId] = call.Name;
                var args = new JsonObject();
                foreach (var (key, argument) in call.Arguments ?? new Dictionary<string, object?>())
                {
                    args[key] = JsonSerializer.SerializeToNode(argument, AIJsonUtilities.DefaultOptions);
                }

                var functionCall = new JsonObject { ["name"] = call.Name, ["args"] = args };
                return new JsonObject { ["functionCall"] = functionCall };
            case FunctionResultContent result:
                if (!callNames.TryGetValue(result.CallId, out var name))
                {
                    throw new ProviderException(ProviderFailureKind.BadRequest, "Vertex AI: a function result has no function call before it in the conversation, so its function name is unknown.");
                }

                var value = JsonSerializer.SerializeToNode(result.Result, AIJsonUtilities.DefaultOptions);
                // functionResponse.response is a JSON object; any other result is wrapped under 'result'.
                var response = value as JsonObject ?? new JsonObject { ["result"] = value };
                return new JsonObject { ["functionResponse"] = new JsonObject { ["name"] = name, ["response"] = response } };
            default:
                // Reasoning and other content the model produced is not sent back.
                return null;
        }
    }

    /// <summary>One parsed answer (a whole response, or one chunk of a stream).</summary>
    public sealed record Answer(IList<AIContent> Contents, ChatFinishReason? FinishReason, UsageDetails? Usage, string? ResponseId, string? ModelVersion);

    /// <summary>
    /// Parses a <c>GenerateContentResponse</c>. Throws a refusal (<see cref="ProviderFailureKind.ContentPolicyRefusal"/>) when
    /// the prompt was blocked or the candidate stopped for a safety reason, and <see cref="InvalidDataException"/> when the body
    /// is not a response at all (which stops the request: an answer nobody can read is never recorded as served).
    /// </summary>
    public static Answer Parse(string body, bool chunk, Func<string> newCallId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw Malformed();
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Malformed();
            }

            if (root.TryGetProperty("promptFeedback", out var feedback) && feedback.ValueKind == JsonValueKind.Object
                && feedback.TryGetProperty("blockReason", out var block) && block.ValueKind == JsonValueKind.String
                && block.GetString() is { Length: > 0 } blockReason && blockReason != "BLOCKED_REASON_UNSPECIFIED")
            {
                throw new ProviderException(ProviderFailureKind.ContentPolicyRefusal, $"Vertex AI blocked the prompt ({Code(blockReason)}).");
            }

            var usage = root.TryGetProperty("usageMetadata", out var u) && u.ValueKind == JsonValueKind.Object ? Usage(u) : null;
            var responseId = String(root, "responseId");
            var modelVersion = String(root, "modelVersion");
            if (!root.TryGetProperty("candidates", out var candidates) || candidates.ValueKind != JsonValueKind.Array || candidates.GetArrayLength() == 0)
            {
                // A stream's last chunk may carry only usage; a whole response must have a candidate.
                return chunk && usage is not null ? new Answer([], null, usage, responseId, modelVersion) : throw Malformed();
            }

            var candidate = candidates[0];
            if (candidate.ValueKind != JsonValueKind.Object)
            {
                throw Malformed();
            }

            var finish = String(candidate, "finishReason");
            if (finish is not null && RefusalReasons.Contains(finish))
            {
                throw new ProviderException(ProviderFailureKind.ContentPolicyRefusal, $"Vertex AI stopped the answer ({Code(finish)}).");
            }

            var contents = new List<AIContent>();
            if (candidate.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
                && content.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in parts.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object)
                    {
                        throw Malformed();
                    }

                    if (part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        var isThought = part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True;
                        contents.Add(isThought ? new TextReasoningContent(text.GetString()) : new TextContent(text.GetString()));
                    }
                    else if (part.TryGetProperty("functionCall", out var call) && call.ValueKind == JsonValueKind.Object
                        && String(call, "name") is { Length: > 0 } name)
                    {
                        var args = new Dictionary<string, object?>(StringComparer.Ordinal);
                        if (call.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var p in a.EnumerateObject())
                            {
                                args[p.Name] = p.Value.Clone();
                            }
                        }

                        contents.Add(new FunctionCallContent(String(call, "id") ?? newCallId(), name, args));
                    }
                    else if (part.TryGetProperty("inlineData", out var inline) && inline.ValueKind == JsonValueKind.Object
                        && String(inline, "data") is { } data && String(inline, "mimeType") is { } mime)
                    {
                        contents.Add(new DataContent(Convert.FromBase64String(data), mime));
                    }
                }
            }
            else if (!chunk && finish is null)
            {
                throw Malformed();
            }

            ChatFinishReason? reason = finish switch
            {
                null or "FINISH_REASON_UNSPECIFIED" => null,
                _ when contents.OfType<FunctionCallContent>().Any() => ChatFinishReason.ToolCalls,
                "STOP" => ChatFinishReason.Stop,
                "MAX_TOKENS" => ChatFinishReason.Length,
                _ => new ChatFinishReason(finish.ToLowerInvariant()),
            };
            return new Answer(contents, reason, usage, responseId, modelVersion);
        }
    }

    private static UsageDetails Usage(JsonElement u)
    {
        var usage = new UsageDetails
        {
            InputTokenCount = Long(u, "promptTokenCount"),
            OutputTokenCount = Long(u, "candidatesTokenCount"),
            TotalTokenCount = Long(u, "totalTokenCount"),
            CachedInputTokenCount = Long(u, "cachedContentTokenCount"),
            ReasoningTokenCount = Long(u, "thoughtsTokenCount"),
        };
        return usage;
    }

    private static long? Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l : null;

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    // Only a canonical code (upper-case letters and '_') is repeated in a message.
    private static string Code(string s) => s.Length <= 40 && s.All(c => c is (>= 'A' and <= 'Z') or '_') ? s : "unrecognised reason";

    private static InvalidDataException Malformed() =>
        new("Vertex AI answered with a body that is not a GenerateContentResponse.");
}
