namespace Intercom.AiCompliance.Providers;

/// <summary>
/// A failed provider call, as a client reports it. Its message must not contain Input, Output or secrets:
/// describe the failure (status, kind), never the content.
/// </summary>
/// <remarks>
/// The router keeps only <see cref="Kind"/>, <see cref="StatusCode"/>, <see cref="RetryAfter"/> and the type name
/// (as an <see cref="Routing.AttemptFailure"/>); it never passes this exception, its message or its inner exception
/// on to callers, logs, traces or the audit trail. Other exceptions a client throws (an SDK's, <c>HttpRequestException</c>,
/// timeouts) are classified by the registered <see cref="IProviderFailureClassifier"/>; see <see cref="ProviderFailureClassifier"/>.
/// </remarks>
public sealed class ProviderException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">How the call failed.</param>
    /// <param name="message">What failed, without content or secrets.</param>
    /// <param name="statusCode">The HTTP status, when there was one.</param>
    /// <param name="retryAfter">The provider's Retry-After, when it sent one.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ProviderException(ProviderFailureKind kind, string message, int? statusCode = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>How the call failed.</summary>
    public ProviderFailureKind Kind { get; }

    /// <summary>The HTTP status, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>How long the provider asked callers to wait before retrying.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Whether retrying or failing over may help (timeout, 429, 5xx, connection failure).</summary>
    public bool IsTransient => Kind is ProviderFailureKind.Timeout or ProviderFailureKind.RateLimited
        or ProviderFailureKind.ServerError or ProviderFailureKind.ConnectionFailure;

    /// <summary>Maps an HTTP status code to a failure kind, as a real client would.</summary>
    public static ProviderFailureKind KindForStatus(int statusCode) => statusCode switch
    {
        408 => ProviderFailureKind.Timeout,
        429 => ProviderFailureKind.RateLimited,
        401 or 403 => ProviderFailureKind.Authentication,
        >= 500 => ProviderFailureKind.ServerError,
        _ => ProviderFailureKind.BadRequest,
    };
}
