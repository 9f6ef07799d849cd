using System.Text;
using System.Text.Json;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.AspNetCore.Http;

namespace Intercom.AiCompliance.Anthropic.Tests.Helpers;

/// <summary>One request the SDK really sent: method, path, the auth and version headers, and the JSON body.</summary>
public sealed record WireRequest(string Method, string Path, string? ApiKeyHeader, string? Authorization, string? AnthropicVersion, string? ContentType, string Body)
{
    /// <summary>The body parsed as JSON.</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>A scripted answer: status, body, content type and extra headers.</summary>
public sealed record Reply(int Status, string Body, string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A fake of Anthropic's Messages API (<c>POST /v1/messages</c>) on Kestrel, bound to 127.0.0.1 on a free port (never a
/// real host): it records every request the SDK sends and answers with what the test scripts, in Anthropic's documented
/// shapes (https://docs.anthropic.com/en/api/messages, /en/api/messages-streaming, /en/api/errors).
/// </summary>
public sealed class FakeAnthropicServer : LoopbackFake<WireRequest>
{
    private FakeAnthropicServer()
    {
    }

    public static async Task<FakeAnthropicServer> StartAsync(Func<WireRequest, Reply> respond)
    {
        var server = new FakeAnthropicServer();
        await server.ListenAsync(
            async context => new WireRequest(context.Request.Method, context.Request.Path.Value ?? "", LoopbackWire.Header(context, "x-api-key"),
                LoopbackWire.Header(context, "Authorization"), LoopbackWire.Header(context, "anthropic-version"), context.Request.ContentType,
                await LoopbackWire.ReadTextAsync(context)),
            async (request, context) =>
            {
                var reply = respond(request);
                LoopbackWire.WriteHead(context, reply.Status, reply.ContentType, reply.Headers);
                context.Response.Headers["request-id"] = "req_fake_" + server.Requests.Count;
                await context.Response.WriteAsync(reply.Body, context.RequestAborted);
            });
        return server;
    }

    /// <summary>A documented Messages API answer for <paramref name="model"/>, with usage.</summary>
    public static Reply Message(string model, string text = "Reset it from Settings.") => new(200, JsonSerializer.Serialize(new
    {
        id = "msg_01",
        type = "message",
        role = "assistant",
        model,
        content = new[] { new { type = "text", text } },
        stop_reason = "end_turn",
        stop_sequence = (string?)null,
        usage = new { input_tokens = 12, output_tokens = 5 },
    }));

    /// <summary>A documented answer asking for a tool call.</summary>
    public static Reply ToolUse(string model) => new(200, JsonSerializer.Serialize(new
    {
        id = "msg_02",
        type = "message",
        role = "assistant",
        model,
        content = new object[] { new { type = "tool_use", id = "toolu_01", name = "get_weather", input = new { city = "Dublin" } } },
        stop_reason = "tool_use",
        stop_sequence = (string?)null,
        usage = new { input_tokens = 20, output_tokens = 9 },
    }));

    /// <summary>A documented error body (<c>{"type":"error","error":{"type":...,"message":...}}</c>).</summary>
    public static Reply Error(int status, string type, string message = "error", IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonSerializer.Serialize(new { type = "error", error = new { type, message }, request_id = "req_fake" }), Headers: headers);

    /// <summary>One server-sent event.</summary>
    public static string Event(string name, object data) => $"event: {name}\ndata: {JsonSerializer.Serialize(data)}\n\n";

    /// <summary>The documented event stream of a text answer, split into <paramref name="parts"/>, with usage.</summary>
    public static Reply Stream(string model, params string[] parts) => new(200, StreamEvents(model, parts, end: true), "text/event-stream");

    /// <summary>The opening events of a stream, its text deltas, and (when <paramref name="end"/>) its closing events.</summary>
    public static string StreamEvents(string model, string[] parts, bool end)
    {
        var sb = new StringBuilder();
        sb.Append(Event("message_start", new
        {
            type = "message_start",
            message = new { id = "msg_03", type = "message", role = "assistant", content = Array.Empty<object>(), model, stop_reason = (string?)null, stop_sequence = (string?)null, usage = new { input_tokens = 9, output_tokens = 1 } },
        }));
        sb.Append(Event("content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } }));
        sb.Append(Event("ping", new { type = "ping" }));
        foreach (var part in parts)
        {
            sb.Append(Event("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = part } }));
        }

        if (end)
        {
            sb.Append(Event("content_block_stop", new { type = "content_block_stop", index = 0 }));
            sb.Append(Event("message_delta", new { type = "message_delta", delta = new { stop_reason = "end_turn", stop_sequence = (string?)null }, usage = new { output_tokens = 2 } }));
            sb.Append(Event("message_stop", new { type = "message_stop" }));
        }

        return sb.ToString();
    }
}
