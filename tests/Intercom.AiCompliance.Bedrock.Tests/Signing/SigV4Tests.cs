using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using Intercom.AiCompliance.Bedrock.Signing;

namespace Intercom.AiCompliance.Bedrock.Tests.Signing;

/// <summary>
/// The signer against the official AWS SigV4 test suite (copied from awslabs/aws-c-auth, Apache-2.0, see
/// Vectors/NOTICE.md): canonical request, string to sign and signature must match byte for byte.
/// </summary>
public class SigV4Tests
{
    private static readonly string VectorRoot = Path.Combine(TestContext.CurrentContext.TestDirectory, "Signing", "Vectors");

    public static IEnumerable<string> Vectors() =>
        Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Signing", "Vectors")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    [TestCaseSource(nameof(Vectors))]
    public void CanonicalRequestStringToSignAndSignature_AwsTestSuiteVector_MatchByteForByte(string name)
    {
        var v = Vector.Load(Path.Combine(VectorRoot, name));

        var canonical = SigV4.CanonicalRequest(v.Method, v.Path, v.Query, v.SignedHeaders, v.PayloadHash, out _);
        var scope = SigV4.Scope(v.Time, v.Region, v.Service);
        var stringToSign = SigV4.StringToSign(v.Time, scope, canonical);
        var signature = SigV4.Signature(v.Secret, v.Time, v.Region, v.Service, stringToSign);

        canonical.Should().Be(v.ExpectedCanonicalRequest);
        stringToSign.Should().Be(v.ExpectedStringToSign);
        signature.Should().Be(v.ExpectedSignature);
    }

    [TestCaseSource(nameof(Vectors))]
    public void Signature_SameCanonicalRequest_AgreesWithTheAwsSdksOwnSigner(string name)
    {
        var v = Vector.Load(Path.Combine(VectorRoot, name));
        var canonical = SigV4.CanonicalRequest(v.Method, v.Path, v.Query, v.SignedHeaders, v.PayloadHash, out var signedHeaders);

        var sdk = AWS4Signer.ComputeSignature(new ImmutableCredentials(v.AccessKey, v.Secret, v.Token), v.Region, v.Time.UtcDateTime, v.Service, signedHeaders, canonical);

        SigV4.Signature(v.Secret, v.Time, v.Region, v.Service, SigV4.StringToSign(v.Time, SigV4.Scope(v.Time, v.Region, v.Service), canonical)).Should().Be(sdk.Signature);
    }

    [Test]
    public void Sign_HttpRequest_SetsDateTokenAndAnAuthorizationWhoseSignatureTheSdkReproduces()
    {
        var time = new DateTimeOffset(2026, 11, 23, 14, 0, 0, TimeSpan.Zero);
        var body = Encoding.UTF8.GetBytes("{\"messages\":[]}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://bedrock-runtime.eu-central-1.amazonaws.com/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse")
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var credentials = new SigningCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-1");

        SigV4.Sign(request, body, credentials, "eu-central-1", "bedrock", time);

        request.Headers.GetValues("x-amz-date").Single().Should().Be("20261123T140000Z");
        request.Headers.GetValues("x-amz-security-token").Single().Should().Be("session-token-1");
        var authorization = request.Headers.GetValues("Authorization").Single();
        authorization.Should().StartWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/eu-central-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=");
        var canonical = SigV4.CanonicalRequest("POST", "/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", "",
            [new("host", "bedrock-runtime.eu-central-1.amazonaws.com"), new("x-amz-date", "20261123T140000Z"), new("x-amz-security-token", "session-token-1"), new("content-type", "application/json")],
            SigV4.PayloadHash(body), out var signed);
        canonical.Should().Contain("/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%253A0/converse", "every service but S3 signs the path encoded once more");
        var sdk = AWS4Signer.ComputeSignature(new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken), "eu-central-1", time.UtcDateTime, "bedrock", signed, canonical);
        authorization.Should().EndWith("Signature=" + sdk.Signature);
    }

    [Test]
    public void SigningCredentials_ToString_HidesEverySecret() =>
        new SigningCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI", "tok").ToString().Should().NotContain("AKID").And.NotContain("wJal").And.NotContain("tok");

    private sealed record Vector(
        string Method, string Path, string Query, List<KeyValuePair<string, string>> SignedHeaders, string PayloadHash,
        DateTimeOffset Time, string Region, string Service, string AccessKey, string Secret, string? Token,
        string ExpectedCanonicalRequest, string ExpectedStringToSign, string ExpectedSignature)
    {
        public static Vector Load(string dir)
        {
            using var context = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(dir, "context.json")));
            var c = context.RootElement;
            var creds = c.GetProperty("credentials");
            var token = creds.TryGetProperty("token", out var t) ? t.GetString() : null;
            var time = DateTimeOffset.Parse(c.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var raw = File.ReadAllText(System.IO.Path.Combine(dir, "request.txt"), Encoding.UTF8);
            var split = raw.IndexOf("\n\n", StringComparison.Ordinal);
            var head = split < 0 ? raw.TrimEnd('\n') : raw[..split];
            var body = split < 0 ? "" : raw[(split + 2)..];
            var lines = head.Split('\n');
            var requestLine = lines[0].Split(' ');
            var target = string.Join(' ', requestLine[1..^1]);
            var q = target.IndexOf('?', StringComparison.Ordinal);
            var headers = lines[1..].Where(l => l.Length > 0).Select(l =>
            {
                var colon = l.IndexOf(':', StringComparison.Ordinal);
                return new KeyValuePair<string, string>(l[..colon], l[(colon + 1)..]);
            }).ToList();
            headers.Add(new("X-Amz-Date", SigV4.AmzDate(time)));
            if (token is not null)
            {
                headers.Add(new("X-Amz-Security-Token", token));
            }

            var payloadHash = SigV4.PayloadHash(Encoding.UTF8.GetBytes(body));
            if (c.GetProperty("sign_body").GetBoolean())
            {
                headers.Add(new("X-Amz-Content-Sha256", payloadHash));
            }

            return new Vector(requestLine[0], q < 0 ? target : target[..q], q < 0 ? "" : target[(q + 1)..], headers, payloadHash, time,
                c.GetProperty("region").GetString()!, c.GetProperty("service").GetString()!, creds.GetProperty("access_key_id").GetString()!,
                creds.GetProperty("secret_access_key").GetString()!, token,
                File.ReadAllText(System.IO.Path.Combine(dir, "header-canonical-request.txt")), File.ReadAllText(System.IO.Path.Combine(dir, "header-string-to-sign.txt")),
                File.ReadAllText(System.IO.Path.Combine(dir, "header-signature.txt")).Trim());
        }
    }
}
