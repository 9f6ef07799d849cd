using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Intercom.AiCompliance.Bedrock.EventStream;
using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.Bedrock;

/// <summary>
/// Turns Bedrock's error answers (HTTP errors, exception events inside an event stream, corrupted frames, unreadable
/// bodies, guardrail interventions) into <see cref="ProviderException"/>s the router classifies. Only the error's type
/// and status are kept: Bedrock's error messages can quote the request, so they are never read into an exception.
/// </summary>
internal static class BedrockErrors
{
    /// <summary>Classifies an HTTP error answer by its <c>x-amzn-ErrorType</c> header, else the body's <c>__type</c>, else the status.</summary>
    public static ProviderException FromHttp(int status, HttpResponseHeaders headers, string? body)
    {
        var type = ErrorType(headers, body);
        var kind = KindOf(type) ?? ProviderException.KindForStatus(status);
        var retryAfter = kind == ProviderFailureKind.RateLimited || status == 503 ? RetryAfter(headers) : null;
        return new ProviderException(kind, $"Bedrock answered HTTP {status}{(type is null ? "" : " " + type)}.", status, retryAfter);
    }

    /// <summary>Classifies an exception event (<c>:message-type exception</c>) or error event (<c>:message-type error</c>) of a stream.</summary>
    public static ProviderException FromStreamEvent(EventStreamMessage message)
    {
        var isException = message.Header(":message-type") == "exception";
        var type = isException ? message.Header(":exception-type") : message.Header(":error-code");
        type = Sanitize(type);
        var kind = KindOf(type) ?? ProviderFailureKind.BadRequest;
        int? status = type is null ? null : StatusOf(type);
        return new ProviderException(kind, $"Bedrock ended the stream with {(isException ? "exception" : "error")} event {type ?? "(untyped)"}.", status);
    }

    public static ProviderException CorruptedStream(EventStreamFormatException inner) =>
        new(ProviderFailureKind.ConnectionFailure, "Bedrock's event stream was corrupted or cut: " + inner.Message, innerException: inner);

    public static ProviderException Malformed(string what) =>
        new(ProviderFailureKind.BadRequest, $"Bedrock's answer could not be read: {what}.");

    public static ProviderException Refusal(string stopReason) =>
        new(ProviderFailureKind.ContentPolicyRefusal, $"Bedrock stopped the answer: {stopReason}.");

    /// <summary>The failure kind of a Bedrock or AWS error type, or <see langword="null"/> when the type is unknown.</summary>
    public static ProviderFailureKind? KindOf(string? type) => type?.ToUpperInvariant() switch
    {
        null => null,
        "THROTTLINGEXCEPTION" or "TOOMANYREQUESTSEXCEPTION" or "SERVICEQUOTAEXCEEDEDEXCEPTION" or "MODELNOTREADYEXCEPTION" => ProviderFailureKind.RateLimited,
        "SERVICEUNAVAILABLEEXCEPTION" or "INTERNALSERVEREXCEPTION" or "MODELSTREAMERROREXCEPTION" or "MODELERROREXCEPTION" or "INTERNALFAILURE" => ProviderFailureKind.ServerError,
        "MODELTIMEOUTEXCEPTION" => ProviderFailureKind.Timeout,
        "ACCESSDENIEDEXCEPTION" or "UNRECOGNIZEDCLIENTEXCEPTION" or "INVALIDSIGNATUREEXCEPTION" or "SIGNATUREDOESNOTMATCH"
            or "EXPIREDTOKENEXCEPTION" or "INCOMPLETESIGNATURE" or "MISSINGAUTHENTICATIONTOKEN" or "INVALIDCLIENTTOKENID" => ProviderFailureKind.Authentication,
        "VALIDATIONEXCEPTION" or "RESOURCENOTFOUNDEXCEPTION" or "SERIALIZATIONEXCEPTION" => ProviderFailureKind.BadRequest,
        _ => null,
    };

    private static int? StatusOf(string type) => type.ToUpperInvariant() switch
    {
        "THROTTLINGEXCEPTION" => 429,
        "SERVICEUNAVAILABLEEXCEPTION" => 503,
        "INTERNALSERVEREXCEPTION" => 500,
        "MODELSTREAMERROREXCEPTION" => 424,
        "VALIDATIONEXCEPTION" => 400,
        "MODELTIMEOUTEXCEPTION" => 408,
        _ => null,
    };

    private static string? ErrorType(HttpResponseHeaders headers, string? body)
    {
        if (headers.TryGetValues("x-amzn-ErrorType", out var values) && values.FirstOrDefault() is { Length: > 0 } header)
        {
            return Sanitize(header);
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && (json.RootElement.TryGetProperty("__type", out var t) || json.RootElement.TryGetProperty("code", out t))
                && t.ValueKind == JsonValueKind.String)
            {
                return Sanitize(t.GetString());
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>
    /// The bare type name: <c>ThrottlingException:http://internal.amazon.com/coral/...</c> and
    /// <c>com.amazon.coral#ThrottlingException</c> both give <c>ThrottlingException</c>. Anything but letters and digits
    /// is refused, so nothing else of the answer can reach an exception message.
    /// </summary>
    private static string? Sanitize(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return null;
        }

        var name = type.Split(':')[0];
        name = name[(name.LastIndexOf('#') + 1)..].Trim();
        return name.Length is > 0 and <= 64 && name.All(char.IsAsciiLetterOrDigit) ? name : null;
    }

    private static TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        if (headers.RetryAfter is { } retry)
        {
            if (retry.Delta is { } delta)
            {
                return delta;
            }

            if (retry.Date is { } date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return headers.TryGetValues("Retry-After", out var raw)
            && double.TryParse(raw.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }
}
