using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>
/// The part every provider's fake REST API shares: Kestrel bound to 127.0.0.1 on a free port (never a real host), each
/// request read into the provider's <typeparamref name="TRequest"/> record, recorded in order, then answered as the test
/// scripts. A provider's fake only says how its wire requests are read and how its replies are written.
/// </summary>
/// <typeparam name="TRequest">The provider's record of one request as it arrived.</typeparam>
public abstract class LoopbackFake<TRequest> : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The server's address, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseAddress { get; private set; } = "";

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<TRequest> Requests { get; } = new();

    /// <summary>Starts listening: <paramref name="read"/> turns the request into a record, which is queued, then <paramref name="answer"/> writes the reply.</summary>
    protected async Task ListenAsync(Func<HttpContext, Task<TRequest>> read, Func<TRequest, HttpContext, Task> answer, Action<ListenOptions>? listen = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen ?? (_ => { })));
        var app = builder.Build();
        app.Run(async context =>
        {
            var request = await read(context);
            Requests.Enqueue(request);
            await answer(request, context);
        });
        await app.StartAsync();
        _app = app;
        BaseAddress = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }

    /// <summary>Stops and disposes the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>Reading requests and writing scripted replies the way every fake does.</summary>
public static class LoopbackWire
{
    /// <summary>The whole body as UTF-8 text.</summary>
    public static async Task<string> ReadTextAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, System.Text.Encoding.UTF8);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    /// <summary>The whole body as bytes.</summary>
    public static async Task<byte[]> ReadBytesAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        return body.ToArray();
    }

    /// <summary>A request header's value, or null when it is absent or empty.</summary>
    public static string? Header(HttpContext context, string name) => context.Request.Headers[name].ToString() is { Length: > 0 } v ? v : null;

    /// <summary>Every request header, by lower-case name.</summary>
    public static Dictionary<string, string> Headers(HttpContext context) =>
        context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());

    /// <summary>Sets the status, the content type and the scripted extra headers of the answer.</summary>
    public static void WriteHead(HttpContext context, int status, string contentType, IReadOnlyDictionary<string, string>? headers)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[k] = v;
        }
    }

    /// <summary>Writes each chunk and flushes it, so a client sees a stream arrive piece by piece.</summary>
    public static async Task WriteChunksAsync(HttpContext context, IEnumerable<byte[]> chunks)
    {
        foreach (var chunk in chunks)
        {
            await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }
}
