namespace Intercom.AiCompliance.Routing;

/// <summary>How one attempt of one candidate ended.</summary>
public enum AttemptOutcome
{
    /// <summary>The deployment answered.</summary>
    Succeeded = 1,

    /// <summary>A transient failure (timeout, 429, 5xx, connection): retried or failed over.</summary>
    TransientFailure = 2,

    /// <summary>A permanent failure (bad request, authentication): the request stopped.</summary>
    PermanentFailure = 3,

    /// <summary>The provider refused the content: the request stopped and was not routed around.</summary>
    Refused = 4,

    /// <summary>The caller cancelled, or the total deadline passed, during the attempt.</summary>
    Cancelled = 5,

    /// <summary>Passed over without a call: the deployment's circuit was open.</summary>
    SkippedCircuitOpen = 6,

    /// <summary>Passed over without a call: the deployment no longer passed every rule at that instant.</summary>
    SkippedNotCompliant = 7,

    /// <summary>
    /// A compliance incident: the provider reported processing the attempt outside the deployment's processing regions (or
    /// in a region that maps to no known jurisdiction). Its answer was discarded, the deployment was quarantined, and the
    /// request failed over inside the plan.
    /// </summary>
    ServedOutsideRegions = 8,

    /// <summary>Passed over without a call: the deployment is quarantined until an operator clears it.</summary>
    SkippedQuarantined = 9,
}
