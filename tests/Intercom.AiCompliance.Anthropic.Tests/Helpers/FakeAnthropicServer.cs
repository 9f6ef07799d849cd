using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
public sealed class FakeAnthropicServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeAnthropicServer(WebApplication app, string baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's address, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseAddress { get; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<WireRequest> Requests { get; } = new();

    public static async Task<FakeAnthropicServer> StartAsync(Func<WireRequest, Reply> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeAnthropicServer? server = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            static string? Header(HttpContext c, string name) => c.Request.Headers[name].ToString() is { Length: > 0 } v ? v : null;
            var request = new WireRequest(context.Request.Method, context.Request.Path.Value ?? "", Header(context, "x-api-key"), Header(context, "Authorization"),
                Header(context, "anthropic-version"), context.Request.ContentType, body);
            server!.Requests.Enqueue(request);
            var reply = respond(request);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.ContentType;
            foreach (var (k, v) in reply.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[k] = v;
            }

            context.Response.Headers["request-id"] = "req_fake_" + server.Requests.Count;
            await context.Response.WriteAsync(reply.Body, context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeAnthropicServer(app, address.TrimEnd('/'));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
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
