using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.Routing;

/// <summary>One attempt (or skip) of one candidate.</summary>
/// <param name="DeploymentId">The deployment.</param>
/// <param name="Provider">Its provider.</param>
/// <param name="Regions">The regions it may process in.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Failure">The failure kind, when a call failed.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="Duration">How long it took.</param>
public sealed record RouteAttempt(
    string DeploymentId,
    Catalog.ProviderKind Provider,
    string Regions,
    AttemptOutcome Outcome,
    ProviderFailureKind? Failure,
    DateTimeOffset StartedAt,
    TimeSpan Duration)
{
    /// <summary>The type name of the exception the client threw, when a call failed; never its message.</summary>
    public string? ExceptionType { get; init; }

    /// <summary>The HTTP status the client reported, when a call failed with one.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Whether the attempt called the provider (skips do not).</summary>
    public bool CalledProvider => Outcome is not (AttemptOutcome.SkippedCircuitOpen or AttemptOutcome.SkippedNotCompliant or AttemptOutcome.SkippedQuarantined);

    /// <summary>Where the provider said it processed the attempt (its own region name), when its client reported it.</summary>
    public string? ServedRegion { get; init; }

    /// <summary>The jurisdiction of <see cref="ServedRegion"/> (such as <c>EU</c>), or <c>unmapped</c>; null when nothing was reported.</summary>
    public string? ServedJurisdiction { get; init; }
}
