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
public sealed record DeploymentState(string DeploymentId, IReadOnlyList<Capability> Capabilities, DeploymentCircuitState Circuit, DateTimeOffset? BreakEndsAt);

/// <summary>Reads the routing state of every deployment (for health checks and operator tools). Implemented by <see cref="ProviderRouter"/>.</summary>
public interface IDeploymentStateReader
{
    /// <summary>A snapshot of every deployment the router serves, ordered by id.</summary>
    IReadOnlyList<DeploymentState> GetDeploymentStates();
}
