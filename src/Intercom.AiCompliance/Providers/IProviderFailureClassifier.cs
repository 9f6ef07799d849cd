namespace Intercom.AiCompliance.Providers;

/// <summary>
/// Decides what a client's exception means for the router: retry or fail over (transient), stop (permanent), or stop as
/// a provider refusal (never routed around). Registered in DI; replace it to teach the router another SDK's exceptions
/// (usually by handling those and delegating the rest to <see cref="ProviderFailureClassifier.Default"/>).
/// </summary>
/// <remarks>
/// The router keeps only the classification and the exception's type name; the exception itself, its message and its
/// inner exceptions never reach callers, logs, traces or the audit trail. A classifier must not put content into the
/// classification (there is no place for it).
/// </remarks>
public interface IProviderFailureClassifier
{
    /// <summary>Classifies <paramref name="exception"/>, thrown by a deployment's client while the caller had not cancelled.</summary>
    /// <returns>The kind (<see langword="null"/> when unknown: the request stops, never guessing), the HTTP status and the provider's Retry-After, when known.</returns>
    ProviderFailure Classify(Exception exception);
}

/// <summary>A classified client failure.</summary>
/// <param name="Kind">How the call failed; <see langword="null"/> when unknown, which stops the request.</param>
/// <param name="StatusCode">The HTTP status, when there was one.</param>
/// <param name="RetryAfter">How long the provider asked callers to wait, when it said.</param>
public readonly record struct ProviderFailure(ProviderFailureKind? Kind, int? StatusCode = null, TimeSpan? RetryAfter = null)
{
    /// <summary>Whether retrying or failing over may help (timeout, 429, 5xx, connection failure).</summary>
    public bool IsTransient => Kind is ProviderFailureKind.Timeout or ProviderFailureKind.RateLimited
        or ProviderFailureKind.ServerError or ProviderFailureKind.ConnectionFailure;
}
