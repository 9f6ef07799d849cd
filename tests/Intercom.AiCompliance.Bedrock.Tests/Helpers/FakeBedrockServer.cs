using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using Intercom.AiCompliance.Bedrock.EventStream;
using Intercom.AiCompliance.Bedrock.Signing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Intercom.AiCompliance.Bedrock.Tests.Helpers;

/// <summary>One request as it arrived on the wire: the raw request target, the headers, the body, and whether its SigV4 signature verifies.</summary>
public sealed record WireRequest(string RawTarget, IReadOnlyDictionary<string, string> Headers, byte[] Body, bool SignatureValid)
{
    public string RawPath => RawTarget.Split('?')[0];

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>A scripted answer: status, content type, headers, and the body as chunks written and flushed one by one.</summary>
public sealed record Reply(int Status, IReadOnlyList<byte[]> Chunks, string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null)
{
    public static Reply Json(int status, string body, IReadOnlyDictionary<string, string>? headers = null) => new(status, [Encoding.UTF8.GetBytes(body)], "application/json", headers);
}

/// <summary>
/// A fake of Bedrock Runtime on Kestrel, bound to 127.0.0.1 on a free port: it records each request as it arrived and
/// checks its SigV4 signature by recomputing it from what it received (the raw request target and the signed headers'
/// values), with the AWS SDK's own signature computation and the secret it knows.
/// </summary>
internal sealed class FakeBedrockServer : LoopbackFake<WireRequest>
{
    private FakeBedrockServer()
    {
    }

    public static async Task<FakeBedrockServer> StartAsync(Func<WireRequest, Reply> respond, string secretAccessKey = BedrockHost.SecretAccessKey)
    {
        var server = new FakeBedrockServer();
        await server.ListenAsync(
            async context =>
            {
                var body = await LoopbackWire.ReadBytesAsync(context);
                var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
                var headers = LoopbackWire.Headers(context);
                return new WireRequest(rawTarget, headers, body, Verify(context.Request.Method, rawTarget, headers, body, secretAccessKey));
            },
            async (request, context) =>
            {
                var reply = respond(request);
                LoopbackWire.WriteHead(context, reply.Status, reply.ContentType, reply.Headers);
                await LoopbackWire.WriteChunksAsync(context, reply.Chunks);
            });
        return server;
    }

    /// <summary>Recomputes the signature of what arrived; a request whose path, headers or body differ from what was signed fails.</summary>
    private static bool Verify(string method, string rawTarget, Dictionary<string, string> headers, byte[] body, string secret)
    {
        if (!headers.TryGetValue("authorization", out var authorization) || !authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = authorization["AWS4-HMAC-SHA256 ".Length..].Split(", ").Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var scope = parts["Credential"].Split('/');
        var signed = parts["SignedHeaders"].Split(';');
        if (!signed.Contains("host") || !signed.Contains("x-amz-date") || signed.Any(h => !headers.ContainsKey(h)))
        {
            return false;
        }

        var q = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var canonical = SigV4.CanonicalRequest(method, q < 0 ? rawTarget : rawTarget[..q], q < 0 ? "" : rawTarget[(q + 1)..],
            signed.Select(h => new KeyValuePair<string, string>(h, headers[h])), SigV4.PayloadHash(body), out var signedHeaders);
        var time = DateTime.ParseExact(headers["x-amz-date"], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var expected = AWS4Signer.ComputeSignature(new ImmutableCredentials(scope[0], secret, headers.GetValueOrDefault("x-amz-security-token")), scope[2], time, scope[3], signedHeaders, canonical);
        return expected.Signature == parts["Signature"];
    }


    /// <summary>A documented Converse answer.</summary>
    public static Reply Converse(string text = "Reset it from Settings.", string stopReason = "end_turn", string? content = null) => Reply.Json(200,
        $$$"""{"output":{"message":{"role":"assistant","content":{{{content ?? JsonSerializer.Serialize(new[] { new { text } })}}}}},"stopReason":"{{{stopReason}}}","usage":{"inputTokens":12,"outputTokens":5,"totalTokens":17},"metrics":{"latencyMs":321}}""",
        new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-1" });

    /// <summary>A documented error answer: <c>x-amzn-ErrorType</c> and a JSON <c>message</c>.</summary>
    public static Reply Error(int status, string type, string message = "error", IReadOnlyDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string>(headers ?? new Dictionary<string, string>()) { ["x-amzn-ErrorType"] = type + ":http://internal.amazon.com/coral/com.amazon.bedrock/" };
        return Reply.Json(status, JsonSerializer.Serialize(new { message }), all);
    }

    public static EventStreamMessage Event(string type, string json) => new(
        [EventStreamHeader.String(":event-type", type), EventStreamHeader.String(":content-type", "application/json"), EventStreamHeader.String(":message-type", "event")],
        Encoding.UTF8.GetBytes(json));

    public static EventStreamMessage Exception(string type, string message = "stream error") => new(
        [EventStreamHeader.String(":exception-type", type), EventStreamHeader.String(":content-type", "application/json"), EventStreamHeader.String(":message-type", "exception")],
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { message })));

    /// <summary>A ConverseStream answer: each frame encoded, then cut into chunks of <paramref name="chunk"/> bytes that straddle frame boundaries.</summary>
    public static Reply Stream(IEnumerable<byte[]> frames, int chunk = 7)
    {
        var bytes = frames.SelectMany(f => f).ToArray();
        return new Reply(200, bytes.Chunk(chunk).ToArray(), "application/vnd.amazon.eventstream", new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-s" });
    }

    public static Reply Stream(IEnumerable<EventStreamMessage> events, int chunk = 7) => Stream(events.Select(EventStreamCodec.Encode), chunk);

    /// <summary>The documented events of a streamed text answer.</summary>
    public static IEnumerable<EventStreamMessage> TextEvents(params string[] pieces)
    {
        yield return Event("messageStart", """{"role":"assistant"}""");
        foreach (var p in pieces)
        {
            yield return Event("contentBlockDelta", JsonSerializer.Serialize(new { contentBlockIndex = 0, delta = new { text = p } }));
        }

        yield return Event("contentBlockStop", """{"contentBlockIndex":0}""");
        yield return Event("messageStop", """{"stopReason":"end_turn"}""");
        yield return Event("metadata", """{"usage":{"inputTokens":9,"outputTokens":2,"totalTokens":11},"metrics":{"latencyMs":100}}""");
    }
}
