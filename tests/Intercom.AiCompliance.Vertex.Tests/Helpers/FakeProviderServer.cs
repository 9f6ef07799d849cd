using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

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
public sealed class FakeProviderServer : LoopbackFake<WireRequest>
{
    private FakeProviderServer()
    {
    }

    public static async Task<FakeProviderServer> StartAsync(Func<WireRequest, Reply> respond)
    {
        var server = new FakeProviderServer();
        await server.ListenAsync(ReadAsync, async (request, context) =>
        {
            var reply = respond(request);
            LoopbackWire.WriteHead(context, reply.Status, reply.ContentType, reply.Headers);
            if (reply.Chunks is { } chunks)
            {
                await LoopbackWire.WriteChunksAsync(context, chunks);
                return;
            }

            await context.Response.Body.WriteAsync(reply.Body, context.RequestAborted);
        });
        return server;
    }

    private static async Task<WireRequest> ReadAsync(HttpContext context)
    {
        var headers = LoopbackWire.Headers(context);
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

            return new WireRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers,
                context.Request.ContentType, [], form.ToDictionary(f => f.Key, f => f.Value.ToString()), bytes, file?.Name);
        }

        return new WireRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers,
            context.Request.ContentType, await LoopbackWire.ReadBytesAsync(context));
    }
}
