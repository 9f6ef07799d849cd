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

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>One request a client really sent: method, path, query, headers, the body, and the form fields and file of a multipart body.</summary>
public sealed record WireRequest(
    string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string? ContentType, byte[] Body,
    IReadOnlyDictionary<string, string>? Form = null, byte[]? File = null, string? FileName = null)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>The body parsed as JSON.</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>A header's value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}

/// <summary>A scripted answer: status, content type, extra headers, and the body as one piece or as chunks flushed one by one.</summary>
public sealed record Reply(int Status, byte[] Body, string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null,
    IReadOnlyList<byte[]>? Chunks = null)
{
    public static Reply Json(int status, string body, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, Encoding.UTF8.GetBytes(body), "application/json", headers);

    public static Reply Text(string body, string contentType) => new(200, Encoding.UTF8.GetBytes(body), contentType);
}

/// <summary>
/// A fake of a provider's REST API on Kestrel, bound to 127.0.0.1 on a free port (never a real host): it records every
/// request a client sends and answers with what the test scripts, streaming chunked bodies chunk by chunk.
/// </summary>
public sealed class FakeProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeProviderServer(WebApplication app, string baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's address, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseAddress { get; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<WireRequest> Requests { get; } = new();

    public static async Task<FakeProviderServer> StartAsync(Func<WireRequest, Reply> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeProviderServer? server = null;
        app.Run(async context =>
        {
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            WireRequest request;
            if (context.Request.HasFormContentType)
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted);
                var file = form.Files.FirstOrDefault();
                byte[]? bytes = null;
                if (file is not null)
                {
                    using var ms = new MemoryStream();
                    await file.CopyToAsync(ms, context.RequestAborted);
                    bytes = ms.ToArray();
                }

                request = new WireRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers,
                    context.Request.ContentType, [], form.ToDictionary(f => f.Key, f => f.Value.ToString()), bytes, file?.Name);
            }
            else
            {
                using var ms = new MemoryStream();
                await context.Request.Body.CopyToAsync(ms, context.RequestAborted);
                request = new WireRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers,
                    context.Request.ContentType, ms.ToArray());
            }

            server!.Requests.Enqueue(request);
            var reply = respond(request);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.ContentType;
            foreach (var (k, v) in reply.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[k] = v;
            }

            if (reply.Chunks is { } chunks)
            {
                foreach (var chunk in chunks)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }

                return;
            }

            await context.Response.Body.WriteAsync(reply.Body, context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeProviderServer(app, address.TrimEnd('/'));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
