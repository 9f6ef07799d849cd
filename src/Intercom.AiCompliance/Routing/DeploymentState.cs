using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Routing;

/// <summary>The state of one deployment's circuit breaker, as the router sees it.</summary>
public enum DeploymentCircuitState
{
    /// <summary>Calls flow.</summary>
    Closed = 0,

    /// <summary>The circuit broke after failures: the deployment is passed over until the break ends.</summary>
    Open = 1,

    /// <summary>The break ended and a probe call decides whether the circuit closes again.</summary>
    HalfOpen = 2,

    /// <summary>An operator isolated the deployment: it is passed over until released.</summary>
    Isolated = 3,
}

/// <summary>A read-only snapshot of one deployment's routing state. It holds catalogue facts only, never content.</summary>
/// <param name="DeploymentId">The deployment's id.</param>
/// <param name="Capabilities">What the deployment serves.</param>
/// <param name="Circuit">Its circuit state.</param>
/// <param name="BreakEndsAt">When the current break ends (UTC), while <see cref="Circuit"/> is <see cref="DeploymentCircuitState.Open"/>; <see langword="null"/> otherwise or when isolated.</param>
public sealed record DeploymentState(string DeploymentId, IReadOnlyList<Capability> Capabilities, DeploymentCircuitState Circuit, DateTimeOffset? BreakEndsAt)
{
    /// <summary>
    /// Whether the deployment is quarantined (after a served-region incident, or by an operator): it receives no traffic,
    /// whatever its circuit, until an operator clears it.
    /// </summary>
    public bool Quarantined { get; init; }

    /// <summary>When the quarantine began, while <see cref="Quarantined"/>.</summary>
    public DateTimeOffset? QuarantinedAt { get; init; }

    /// <summary>The reason code of the quarantine (such as <c>served-region-outside-deployment</c>), while <see cref="Quarantined"/>.</summary>
    public string? QuarantineReason { get; init; }

    /// <summary>Whether the deployment can take traffic now: not quarantined, and its circuit is not open or isolated.</summary>
    public bool IsAvailable => !Quarantined && Circuit is DeploymentCircuitState.Closed or DeploymentCircuitState.HalfOpen;
}

/// <summary>Reads the routing state of every deployment (for health checks and operator tools). Implemented by <see cref="ProviderRouter"/>.</summary>
public interface IDeploymentStateReader
{
    /// <summary>A snapshot of every deployment the router serves, ordered by id.</summary>
    IReadOnlyList<DeploymentState> GetDeploymentStates();
}
