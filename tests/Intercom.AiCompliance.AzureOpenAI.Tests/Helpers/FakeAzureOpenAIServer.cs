using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Intercom.AiCompliance.AzureOpenAI.Tests.Helpers;

/// <summary>One request the SDK really sent: path, query, the auth headers and the JSON body.</summary>
public sealed record WireRequest(string Path, string Query, string? ApiKey, string? Authorization, string? ContentType, string Body)
{
    /// <summary>The body parsed as JSON.</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>A scripted answer: status, body, content type and extra headers (such as <c>x-ms-region</c>).</summary>
public sealed record Reply(int Status, string Body, string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A fake of Azure OpenAI's v1 REST API on Kestrel, bound to 127.0.0.1 on a free port (never a real host): it records every
/// request the SDK sends and answers with what the test scripts, including the <c>x-ms-region</c> header Azure sets.
/// </summary>
public sealed class FakeAzureOpenAIServer : LoopbackFake<WireRequest>
{
    private FakeAzureOpenAIServer(X509Certificate2? certificate)
    {
        Certificate = certificate;
    }

    /// <summary>The self-signed certificate of an https fake (Entra ID tokens are only sent over TLS), for clients to pin.</summary>
    public X509Certificate2? Certificate { get; }

    public static async Task<FakeAzureOpenAIServer> StartAsync(Func<WireRequest, Reply> respond, bool https = false)
    {
        var certificate = https ? SelfSigned() : null;
        var server = new FakeAzureOpenAIServer(certificate);
        await server.ListenAsync(
            async context => new WireRequest(context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
                LoopbackWire.Header(context, "api-key"), LoopbackWire.Header(context, "Authorization"), context.Request.ContentType, await LoopbackWire.ReadTextAsync(context)),
            async (request, context) =>
            {
                var reply = respond(request);
                LoopbackWire.WriteHead(context, reply.Status, reply.ContentType, reply.Headers);
                await context.Response.WriteAsync(reply.Body, context.RequestAborted);
            },
            l =>
            {
                if (certificate is not null)
                {
                    l.UseHttps(certificate);
                }
            });
        return server;
    }

    /// <summary>A handler for the SDK's HttpClient that trusts this fake's certificate, and no other.</summary>
    public HttpMessageHandler PinnedHandler() => new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && Certificate is not null && cert.GetCertHashString() == Certificate.GetCertHashString() },
    };

    private static X509Certificate2 SelfSigned()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>The headers Azure sets on an answer processed in <paramref name="region"/>.</summary>
    public static Dictionary<string, string> In(string region) => new() { ["x-ms-region"] = region, ["apim-request-id"] = Guid.NewGuid().ToString() };

    /// <summary>A documented chat completion for the deployment, with usage, processed in <paramref name="region"/>.</summary>
    public static Reply Completion(string deployment, string region = "Sweden Central", string text = "Reset it from Settings.") => new(200, JsonSerializer.Serialize(new
    {
        id = "chatcmpl-1",
        @object = "chat.completion",
        created = 1700000000,
        model = deployment,
        choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 12, completion_tokens = 5, total_tokens = 17 },
    }), Headers: In(region));

    /// <summary>A streamed (SSE) chat completion, processed in <paramref name="region"/>.</summary>
    public static Reply Stream(string deployment, string region = "Sweden Central") => new(200,
        $"data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"{deployment}\",\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":\"Hel\"}},\"finish_reason\":null}}]}}\n\n"
        + $"data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"{deployment}\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"lo\"}},\"finish_reason\":\"stop\"}}]}}\n\n"
        + $"data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"{deployment}\",\"choices\":[],\"usage\":{{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}}}\n\n"
        + "data: [DONE]\n\n", "text/event-stream", In(region));

    /// <summary>A documented error body (<c>{"error":{...}}</c>).</summary>
    public static Reply Error(int status, string? code, string message = "error", IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonSerializer.Serialize(new { error = new { message, type = (string?)null, param = (string?)null, code, status } }), Headers: headers ?? In("Sweden Central"));

    /// <summary>Azure's content filter refusal: 400 with code <c>content_filter</c> and the filter results under <c>innererror</c>.</summary>
    public static Reply ContentFilter() => new(400, """
        {"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy: the user wrote 'QUOTED PROMPT'","type":null,"param":"prompt","code":"content_filter","status":400,
        "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,"severity":"high"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}}}
        """, Headers: In("Sweden Central"));
}
