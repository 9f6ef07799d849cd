namespace Intercom.AiCompliance.Providers;

/// <summary>How a provider call failed; decides whether the router retries, fails over or stops.</summary>
public enum ProviderFailureKind
{
    /// <summary>The call did not complete in time. Transient.</summary>
    Timeout = 1,

    /// <summary>HTTP 429: too many requests, possibly with Retry-After. Transient.</summary>
    RateLimited = 2,

    /// <summary>HTTP 5xx. Transient.</summary>
    ServerError = 3,

    /// <summary>The connection failed or was reset. Transient.</summary>
    ConnectionFailure = 4,

    /// <summary>HTTP 400 or similar: the request itself is wrong. Permanent: stop.</summary>
    BadRequest = 5,

    /// <summary>HTTP 401/403: credentials are wrong. Permanent: stop.</summary>
    Authentication = 6,

    /// <summary>The provider refused the content under its usage policy. Stop: never routed around.</summary>
    ContentPolicyRefusal = 7,

    /// <summary>
    /// The provider reported processing outside the deployment's processing regions (a compliance incident): the deployment
    /// is quarantined and the request fails over, never retried on that deployment.
    /// </summary>
    ServedOutsideRegions = 8,
}
