using System.Net.Http.Headers;
using System.Text.Json;
using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.ElevenLabs;

/// <summary>
/// Turns an ElevenLabs error answer into a <see cref="ProviderException"/> the router understands: the kind from the HTTP
/// status (429 rate limited with <c>Retry-After</c>, 5xx server error, 401/403 authentication, other 4xx bad request), and a
/// 400 whose <c>detail.status</c> says the text broke ElevenLabs' terms (<c>bad_prompt</c>) as a refusal. Only
/// <c>detail.status</c>, a fixed code, is kept; <c>detail.message</c> can quote the request and is never read.
/// </summary>
internal static class ElevenLabsFailures
{
    /// <summary>The <c>detail.status</c> codes with which ElevenLabs refuses content under its terms.</summary>
    private static readonly HashSet<string> RefusalCodes = new(StringComparer.Ordinal) { "bad_prompt", "content_against_terms", "tos_violation" };

    public static async Task<ProviderException> FromResponseAsync(HttpResponseMessage response, TimeProvider time, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string? body = null;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
        }

        var code = DetailStatus(body);
        var kind = ProviderException.KindForStatus(status);
        if (status == 400 && code is not null && RefusalCodes.Contains(code))
        {
            kind = ProviderFailureKind.ContentPolicyRefusal;
        }

        return new ProviderException(kind, $"ElevenLabs answered HTTP {status}{(code is null ? "" : $" ({code})")}.", status, RetryAfter(response.Headers.RetryAfter, time));
    }

    /// <summary>The <c>Retry-After</c> header as a wait: seconds, or an HTTP date measured on <paramref name="time"/>.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, TimeProvider time)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static string? DetailStatus(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.Object
                && detail.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String
                && s.GetString() is { Length: > 0 and <= 60 } code && code.All(c => c is (>= 'a' and <= 'z') or '_' or (>= '0' and <= '9'))
                ? code
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
