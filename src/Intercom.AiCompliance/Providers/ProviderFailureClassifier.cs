using System.Globalization;
using System.Net.Http;
using System.Reflection;
using System.Text.Json;

namespace Intercom.AiCompliance.Providers;

/// <summary>
/// The default classification of the exceptions real clients throw:
/// <list type="bullet">
/// <item><see cref="ProviderException"/>: its own kind, status and Retry-After.</item>
/// <item><c>System.ClientModel.ClientResultException</c> (the OpenAI and Azure SDKs, and their M.E.AI clients): by its
/// <c>Status</c>, with Retry-After (seconds or an HTTP date) or <c>retry-after-ms</c> read from the raw response's headers,
/// and a 400 whose error code is a content filter read as a refusal. It is recognised by name, so the package does not
/// depend on System.ClientModel.</item>
/// <item>Any other exception with an integer or <see cref="System.Net.HttpStatusCode"/> <c>StatusCode</c> or <c>Status</c>
/// property (for example the Anthropic SDK's <c>AnthropicApiException</c> family): by that status, with the wait read from
/// the exception's <see cref="Exception.Data"/> under <see cref="RetryAfterDataKey"/> when a client put it there (the
/// Anthropic SDK's exceptions carry no headers; package <c>Intercom.AiCompliance.Anthropic</c> records the response's
/// Retry-After there).</item>
/// <item>The Anthropic SDK's exceptions that have no status (<c>AnthropicSseException</c>, an <c>error</c> event inside a
/// stream): by their <c>ErrorType</c>: <c>OverloadedError</c> and <c>ApiError</c> a server error, <c>RateLimitError</c>
/// rate limited, <c>TimeoutError</c> a timeout, <c>AuthenticationError</c> and <c>PermissionError</c> authentication, any
/// other a bad request. Recognised by type name, so the package does not depend on the SDK.</item>
/// <item><see cref="HttpRequestException"/>: by its <see cref="HttpRequestException.StatusCode"/> when it has one, else a
/// connection failure (transient).</item>
/// <item><see cref="TimeoutException"/> and <see cref="OperationCanceledException"/> (the caller had not cancelled: a
/// client-side timeout such as <c>HttpClient.Timeout</c>): a timeout (transient).</item>
/// <item>Anything else: unknown, which stops the request.</item>
/// </list>
/// Status codes map as 408 timeout, 429 rate limited, 401/403 authentication, 5xx server error (transient, fails over),
/// any other 4xx a bad request.
/// </summary>
public sealed class ProviderFailureClassifier : IProviderFailureClassifier
{
    /// <summary>
    /// The key, in an exception's <see cref="Exception.Data"/>, of a <see cref="TimeSpan"/> the provider asked callers to
    /// wait (its Retry-After), for clients whose exceptions do not carry the response's headers.
    /// </summary>
    public const string RetryAfterDataKey = "aicompliance.retry_after";

    /// <summary>The shared default instance.</summary>
    public static ProviderFailureClassifier Default { get; } = new();

    /// <inheritdoc/>
    public ProviderFailure Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case ProviderException p:
                return new(p.Kind, p.StatusCode, p.RetryAfter);
            case HttpRequestException { StatusCode: { } status }:
                return new(ProviderException.KindForStatus((int)status), (int)status);
            case HttpRequestException:
                return new(ProviderFailureKind.ConnectionFailure);
            case TimeoutException or OperationCanceledException:
                return new(ProviderFailureKind.Timeout);
        }

        var type = exception.GetType();
        if (IsClientResultException(type))
        {
            return ClassifyClientResult(exception);
        }

        if (StatusOf(exception) is { } code and >= 400 and < 600)
        {
            return new(ProviderException.KindForStatus(code), code, RetryAfterInData(exception));
        }

        if (IsAnthropicServiceException(type) && AnthropicErrorKind(exception) is { } anthropic)
        {
            return new(anthropic, null, RetryAfterInData(exception));
        }

        return exception.InnerException is HttpRequestException or TimeoutException
            ? Classify(exception.InnerException)
            : new(null);
    }

    private static TimeSpan? RetryAfterInData(Exception exception) =>
        exception.Data.Contains(RetryAfterDataKey) && exception.Data[RetryAfterDataKey] is TimeSpan wait && wait >= TimeSpan.Zero ? wait : null;

    private static bool IsAnthropicServiceException(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.FullName == "Anthropic.Exceptions.AnthropicServiceException")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The kind of an Anthropic error without a status, from its error type: the <c>Type</c> property (the API's
    /// <c>error.type</c>, such as <c>overloaded_error</c>), else the older <c>ErrorType</c> enum. Only the type is read, never
    /// the message.
    /// </summary>
    private static ProviderFailureKind? AnthropicErrorKind(Exception exception)
    {
        var type = exception.GetType();
        var text = Read(type.GetProperty("Type"), exception)?.Trim('"');
        if (string.IsNullOrEmpty(text))
        {
            text = Read(type.GetProperty("ErrorType"), exception);
        }

        return text?.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant() switch
        {
            "OVERLOADEDERROR" or "APIERROR" => ProviderFailureKind.ServerError,
            "RATELIMITERROR" => ProviderFailureKind.RateLimited,
            "TIMEOUTERROR" => ProviderFailureKind.Timeout,
            "AUTHENTICATIONERROR" or "PERMISSIONERROR" or "BILLINGERROR" => ProviderFailureKind.Authentication,
            null or "" => null,
            _ => ProviderFailureKind.BadRequest,
        };

        static string? Read(PropertyInfo? property, Exception exception)
        {
            try
            {
                return property?.GetValue(exception)?.ToString();
            }
            catch (TargetInvocationException)
            {
                return null;
            }
        }
    }

    private static bool IsClientResultException(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.FullName == "System.ClientModel.ClientResultException")
            {
                return true;
            }
        }

        return false;
    }

    private static ProviderFailure ClassifyClientResult(Exception exception)
    {
        var status = StatusOf(exception);
        object? raw = null;
        try
        {
            raw = exception.GetType().GetMethod("GetRawResponse", Type.EmptyTypes)?.Invoke(exception, null);
        }
        catch (TargetInvocationException)
        {
        }

        if (status is null or 0)
        {
            // No response at all: the request never got an answer (connection failure or client timeout).
            return exception.InnerException is TimeoutException or TaskCanceledException
                ? new(ProviderFailureKind.Timeout)
                : new(ProviderFailureKind.ConnectionFailure);
        }

        var kind = ProviderException.KindForStatus(status.Value);
        if (status == 400 && raw is not null && IsContentFilter(raw))
        {
            kind = ProviderFailureKind.ContentPolicyRefusal;
        }

        return new(kind, status, raw is null ? null : RetryAfter(raw));
    }

    private static int? StatusOf(Exception exception)
    {
        var property = exception.GetType().GetProperty("Status") ?? exception.GetType().GetProperty("StatusCode");
        return property?.GetValue(exception) switch
        {
            int i => i,
            System.Net.HttpStatusCode h => (int)h,
            _ => null,
        };
    }

    /// <summary>Reads <c>retry-after-ms</c>, or Retry-After in seconds or as an HTTP date, from a PipelineResponse's headers.</summary>
    private static TimeSpan? RetryAfter(object raw)
    {
        if (Header(raw, "retry-after-ms") is { } ms
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
        {
            return TimeSpan.FromMilliseconds(millis);
        }

        if (Header(raw, "Retry-After") is not { } after)
        {
            return null;
        }

        if (double.TryParse(after, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static string? Header(object raw, string name)
    {
        var headers = raw.GetType().GetProperty("Headers")?.GetValue(raw);
        var tryGet = headers?.GetType().GetMethods().FirstOrDefault(m => m.Name == "TryGetValue"
            && m.GetParameters() is [{ ParameterType: var p0 }, { ParameterType: var p1 }] && p0 == typeof(string) && p1 == typeof(string).MakeByRefType());
        if (tryGet is null)
        {
            return null;
        }

        var args = new object?[] { name, null };
        return tryGet.Invoke(headers, args) is true ? args[1] as string : null;
    }

    private static bool IsContentFilter(object raw)
    {
        // Only the error code is read; the message (which may quote the prompt) is never kept.
        // PipelineResponse.Content is a BinaryData, whose ToString is its UTF-8 text.
        if (raw.GetType().GetProperty("Content")?.GetValue(raw)?.ToString() is not { Length: > 0 } body)
        {
            return false;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                && code.GetString() is "content_filter" or "content_policy_violation" or "content_filtered";
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
