using System.Security.Cryptography;
using System.Text.Json;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Vertex.Tests.Helpers;

namespace Intercom.AiCompliance.Vertex.Tests;

/// <summary>
/// The package's own token source over Google.Apis.Auth, with a service account key whose <c>token_uri</c> points at the
/// loopback fake (never real Google): the library signs a JWT, exchanges it for an access token, and that token is the
/// bearer of the Vertex AI call.
/// </summary>
[CancelAfter(60_000)]
public class GoogleVertexAccessTokenSourceTests
{
    [Test]
    public async Task SendAsync_ServiceAccountKey_ExchangesASignedJwtForATokenAndCallsVertexWithIt(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(r => r.Path == "/token"
            ? Reply.Json(200, """{"access_token":"ya29.from-the-token-endpoint","expires_in":3599,"token_type":"Bearer"}""")
            : VertexReplies.Completion());
        using var rsa = RSA.Create(2048);
        var key = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = VertexHost.Project,
            ["private_key_id"] = "key-1",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "router@proj-1.iam.gserviceaccount.com",
            ["client_id"] = "1234567890",
            ["token_uri"] = server.BaseAddress + "/token",
        });
        await using var host = new VertexHost(server, realTokens: true, vertex:
        [
            ("AiComplianceVertex:ProjectId", VertexHost.Project),
            ("AiComplianceVertex:NonGoogleEndpointLocation", VertexHost.Location),
            ("AiComplianceVertex:ServiceAccountJson", key),
        ]);

        await host.Router.SendAsync(VertexHost.Chat(), ct);
        await host.Router.SendAsync(VertexHost.Chat(), ct);

        var requests = server.Requests.ToList();
        requests.Select(r => r.Path).Should().Equal("/token", VertexHost.PathOf("a", "generateContent"), VertexHost.PathOf("a", "generateContent"));
        var exchange = requests[0].Form!;
        exchange["grant_type"].Should().Be("urn:ietf:params:oauth:grant-type:jwt-bearer");
        var claims = JsonDocument.Parse(Base64Url(exchange["assertion"].Split('.')[1])).RootElement;
        claims.GetProperty("iss").GetString().Should().Be("router@proj-1.iam.gserviceaccount.com");
        claims.GetProperty("scope").GetString().Should().Be("https://www.googleapis.com/auth/cloud-platform");
        requests.Skip(1).Should().OnlyContain(r => r.Header("Authorization") == "Bearer ya29.from-the-token-endpoint");
    }

    [Test]
    public async Task SendAsync_TokenEndpointRefuses_StopsAsAnAuthenticationFailureWithoutCallingVertex(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(r => r.Path == "/token"
            ? Reply.Json(400, """{"error":"invalid_grant","error_description":"Invalid JWT Signature."}""")
            : VertexReplies.Completion());
        using var rsa = RSA.Create(2048);
        var key = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["private_key_id"] = "key-1",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "router@proj-1.iam.gserviceaccount.com",
            ["token_uri"] = server.BaseAddress + "/token",
        });
        await using var host = new VertexHost(server, realTokens: true, vertex:
        [
            ("AiComplianceVertex:ProjectId", VertexHost.Project),
            ("AiComplianceVertex:NonGoogleEndpointLocation", VertexHost.Location),
            ("AiComplianceVertex:ServiceAccountJson", key),
        ]);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(VertexHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.LastFailure!.Kind.Should().Be(Providers.ProviderFailureKind.Authentication);
        server.Requests.Should().OnlyContain(r => r.Path == "/token", "no Vertex AI request leaves without a token");
    }

    private static byte[] Base64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }
}
