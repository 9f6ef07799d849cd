using System.Globalization;
using System.Runtime.CompilerServices;

namespace Intercom.AiCompliance.Anthropic;

/// <summary>
/// Keeps the Retry-After of a failed Anthropic call for the router. The SDK's exceptions carry the status and the body,
/// not the headers, so this handler (on each deployment's named HttpClient) reads <c>retry-after-ms</c> or
/// <c>retry-after</c> of an error response into the box of the call in flight, and <see cref="AnthropicSdkChatClient"/>
/// puts it in the SDK exception's <see cref="Exception.Data"/> where <c>ProviderFailureClassifier</c> reads it.
/// </summary>
internal sealed class RetryAfterCapture : DelegatingHandler
{
    private static readonly AsyncLocal<StrongBox<TimeSpan?>?> CurrentCall = new();

    /// <summary>Starts a call: the box the handler fills when the call's response asks to wait.</summary>
    public static StrongBox<TimeSpan?> Begin()
    {
        var box = new StrongBox<TimeSpan?>();
        CurrentCall.Value = box;
        return box;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && CurrentCall.Value is { } box)
        {
            box.Value = Parse(response);
        }

        return response;
    }

    /// <summary>Reads <c>retry-after-ms</c>, or <c>retry-after</c> in seconds or as an HTTP date.</summary>
    internal static TimeSpan? Parse(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
        {
            return TimeSpan.FromMilliseconds(millis);
        }

        if (response.Headers.RetryAfter is { } after)
        {
            if (after.Delta is { } delta)
            {
                return delta;
            }

            if (after.Date is { } date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }
}
