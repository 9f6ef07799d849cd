using System.Text.Json;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.AspNetCore.Http;

namespace Intercom.AiCompliance.OpenAI.Tests.Helpers;

/// <summary>One request the SDK really sent: path, query, headers and the JSON body.</summary>
public sealed record WireRequest(string Path, string Query, string? Authorization, string? ContentType, string Body)
{
    /// <summary>The body parsed as JSON (the chat and embedding APIs take JSON).</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>A scripted answer: status, body, content type and extra headers.</summary>
public sealed record Reply(int Status, string Body, string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A fake of the OpenAI REST API on Kestrel, bound to 127.0.0.1 on a free port (never a real host): it records every
/// request the SDK sends and answers with what the test scripts.
/// </summary>
public sealed class FakeOpenAIServer : LoopbackFake<WireRequest>
{
    private FakeOpenAIServer()
    {
    }

    public static async Task<FakeOpenAIServer> StartAsync(Func<WireRequest, Reply> respond)
    {
        var server = new FakeOpenAIServer();
        await server.ListenAsync(
            async context => new WireRequest(context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
                LoopbackWire.Header(context, "Authorization"), context.Request.ContentType, await LoopbackWire.ReadTextAsync(context)),
            async (request, context) =>
            {
                var reply = respond(request);
                LoopbackWire.WriteHead(context, reply.Status, reply.ContentType, reply.Headers);
                await context.Response.WriteAsync(reply.Body, context.RequestAborted);
            });
        return server;
    }

    /// <summary>A documented chat completion for <paramref name="model"/>, with usage.</summary>
    public static Reply Completion(string model, string text = "Reset it from Settings.") => new(200, JsonSerializer.Serialize(new
    {
        id = "chatcmpl-1",
        @object = "chat.completion",
        created = 1700000000,
        model,
        choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 12, completion_tokens = 5, total_tokens = 17 },
    }));

    /// <summary>A documented error body (<c>{"error":{...}}</c>).</summary>
    public static Reply Error(int status, string type, string? code = null, string message = "error", IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonSerializer.Serialize(new { error = new { message, type, param = (string?)null, code } }), Headers: headers);
}
