using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Intercom.AiCompliance.Bedrock.Signing;

/// <summary>The credentials one request is signed with. <see cref="ToString"/> never shows the secret or the token.</summary>
internal sealed record SigningCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    public override string ToString() => "SigningCredentials { (hidden) }";
}

/// <summary>
/// AWS Signature Version 4 (<c>AWS4-HMAC-SHA256</c>) for services other than S3: the canonical request (the path
/// URI-encoded once more, as the service sees it; the query sorted and encoded; headers lower-cased, trimmed, sequential
/// spaces collapsed, sorted), the string to sign, the derived signing key and the signature. Checked byte for byte
/// against the AWS SigV4 test suite.
/// </summary>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>SHA-256 of an empty body.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static string PayloadHash(ReadOnlySpan<byte> body) => Hex(SHA256.HashData(body));

    public static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string Scope(DateTimeOffset time, string region, string service) =>
        $"{time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/{region}/{service}/aws4_request";

    /// <summary>
    /// The canonical request. <paramref name="path"/> is the path exactly as written on the request line (already
    /// percent-encoded where the client encoded it); it is encoded once more, as AWS does for every service but S3.
    /// <paramref name="query"/> is the raw query without '?'.
    /// </summary>
    public static string CanonicalRequest(string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers, string payloadHash, out string signedHeaders)
    {
        var canonicalHeaders = headers
            .GroupBy(h => h.Key.Trim().ToLowerInvariant(), StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.Select(h => CollapseSpaces(h.Value)))))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        signedHeaders = string.Join(';', canonicalHeaders.Select(h => h.Name));
        var sb = new StringBuilder();
        sb.Append(method.ToUpperInvariant()).Append('\n');
        sb.Append(CanonicalPath(path)).Append('\n');
        sb.Append(CanonicalQuery(query)).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }

        sb.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        return sb.ToString();
    }

    public static string StringToSign(DateTimeOffset time, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{AmzDate(time)}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    public static byte[] SigningKey(string secretAccessKey, DateTimeOffset time, string region, string service)
    {
        var date = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)));
        var regionKey = HMACSHA256.HashData(date, Encoding.UTF8.GetBytes(region));
        var serviceKey = HMACSHA256.HashData(regionKey, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(serviceKey, "aws4_request"u8);
    }

    public static string Signature(string secretAccessKey, DateTimeOffset time, string region, string service, string stringToSign) =>
        Hex(HMACSHA256.HashData(SigningKey(secretAccessKey, time, region, service), Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>
    /// Signs <paramref name="request"/> in place: sets <c>x-amz-date</c>, <c>x-amz-security-token</c> when the
    /// credentials carry a session token, and <c>Authorization</c>. Signs the host, those headers, the content type and
    /// the SHA-256 of <paramref name="body"/>, which must be exactly the bytes sent.
    /// </summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, SigningCredentials credentials, string region, string service, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no address.");
        var amzDate = AmzDate(time);
        request.Headers.Remove("x-amz-date");
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.Remove("x-amz-security-token");
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", uri.Authority),
            new("x-amz-date", amzDate),
        };
        if (!string.IsNullOrEmpty(credentials.SessionToken))
        {
            request.Headers.TryAddWithoutValidation("x-amz-security-token", credentials.SessionToken);
            headers.Add(new("x-amz-security-token", credentials.SessionToken));
        }

        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers.Add(new("content-type", contentType.ToString()));
        }

        var path = uri.AbsolutePath;
        var query = uri.Query.Length > 0 ? uri.Query[1..] : "";
        var canonical = CanonicalRequest(request.Method.Method, path, query, headers, PayloadHash(body), out var signedHeaders);
        var scope = Scope(time, region, service);
        var signature = Signature(credentials.SecretAccessKey, time, region, service, StringToSign(time, scope, canonical));
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization",
            $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    /// <summary>Encodes each byte outside the unreserved set (A-Z a-z 0-9 - . _ ~) as %XX (upper-case hex), keeping '/' when asked.</summary>
    public static string UriEncode(string value, bool keepSlash)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' || (keepSlash && c == '/'))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string CanonicalPath(string path) => path.Length == 0 ? "/" : UriEncode(path, keepSlash: true);

    private static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return "";
        }

        return string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
                return (Key: UriEncode(key, false), Value: UriEncode(value, false));
            })
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
    }

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        var sb = new StringBuilder(trimmed.Length);
        var space = false;
        foreach (var c in trimmed)
        {
            if (c == ' ')
            {
                if (!space)
                {
                    sb.Append(c);
                }

                space = true;
            }
            else
            {
                sb.Append(c);
                space = false;
            }
        }

        return sb.ToString();
    }
}
