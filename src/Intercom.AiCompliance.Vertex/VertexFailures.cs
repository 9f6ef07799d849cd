using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.Vertex;

/// <summary>
/// Turns a Vertex AI error answer into a <see cref="ProviderException"/> the router understands: its kind from the HTTP
/// status (429 rate limited, 5xx server error, 401/403 authentication, other 4xx bad request), and how long to wait from
/// <c>Retry-After</c> or the error's <c>google.rpc.RetryInfo</c> detail. The error's message is never kept: it can quote the
/// request.
/// </summary>
internal static class VertexFailures
{
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

        var (grpcStatus, retryDelay) = Read(body);
        var kind = ProviderException.KindForStatus(status);
        var retryAfter = RetryAfter(response.Headers.RetryAfter, time) ?? retryDelay;
        return new ProviderException(kind, $"Vertex AI answered HTTP {status}{(grpcStatus is null ? "" : $" ({grpcStatus})")}.", status, retryAfter);
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

    /// <summary>Reads only <c>error.status</c> (a fixed code such as RESOURCE_EXHAUSTED) and a RetryInfo delay from an error body.</summary>
    private static (string? Status, TimeSpan? RetryDelay) Read(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var status = error.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String && IsCode(s.GetString()) ? s.GetString() : null;
            TimeSpan? delay = null;
            if (error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array)
            {
                foreach (var d in details.EnumerateArray())
                {
                    if (d.ValueKind == JsonValueKind.Object
                        && d.TryGetProperty("@type", out var t) && t.GetString() == "type.googleapis.com/google.rpc.RetryInfo"
                        && d.TryGetProperty("retryDelay", out var r) && r.ValueKind == JsonValueKind.String
                        && r.GetString() is { Length: > 1 } text && text.EndsWith('s')
                        && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
                    {
                        delay = TimeSpan.FromSeconds(seconds);
                    }
                }
            }

            return (status, delay);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    // Only a canonical code (upper-case letters and '_') is repeated in a message, never free text.
    private static bool IsCode(string? s) => s is { Length: > 0 and <= 40 } && s.All(c => c is (>= 'A' and <= 'Z') or '_');
}
