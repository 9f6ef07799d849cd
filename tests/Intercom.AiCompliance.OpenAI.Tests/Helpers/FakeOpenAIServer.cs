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
public sealed class FakeOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOpenAIServer(WebApplication app, string baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's address, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseAddress { get; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<WireRequest> Requests { get; } = new();

    public static async Task<FakeOpenAIServer> StartAsync(Func<WireRequest, Reply> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeOpenAIServer? server = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var request = new WireRequest(context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, context.Request.ContentType, body);
            server!.Requests.Enqueue(request);
            var reply = respond(request);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.ContentType;
            foreach (var (k, v) in reply.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[k] = v;
            }

            await context.Response.WriteAsync(reply.Body, context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeOpenAIServer(app, address.TrimEnd('/'));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
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
