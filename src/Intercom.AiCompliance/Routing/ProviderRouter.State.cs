using Polly.CircuitBreaker;

namespace Intercom.AiCompliance.Routing;

public sealed partial class ProviderRouter : IDeploymentStateReader
{
    /// <inheritdoc/>
    public IReadOnlyList<DeploymentState> GetDeploymentStates()
    {
        var now = _time.GetTimestamp();
        var utcNow = _time.GetUtcNow();
        var states = new List<DeploymentState>(_lanes.Count);
        foreach (var lane in _lanes.Values.OrderBy(l => l.Deployment.Id, StringComparer.Ordinal))
        {
            var circuit = lane.Circuit.CircuitState switch
            {
                CircuitState.Open => DeploymentCircuitState.Open,
                CircuitState.HalfOpen => DeploymentCircuitState.HalfOpen,
                CircuitState.Isolated => DeploymentCircuitState.Isolated,
                _ => DeploymentCircuitState.Closed,
            };
            var until = lane.Clock.Until;
            DateTimeOffset? endsAt = circuit == DeploymentCircuitState.Open && until != long.MaxValue
                ? utcNow + (until > now ? _time.GetElapsedTime(now, until) : TimeSpan.Zero)
                : null;
            var quarantine = _quarantine.Find(lane.Deployment.Id);
            states.Add(new DeploymentState(lane.Deployment.Id, lane.Deployment.Capabilities, circuit, endsAt)
            {
                Quarantined = quarantine is not null,
                QuarantinedAt = quarantine?.QuarantinedAt,
                QuarantineReason = quarantine?.Reason,
            });
        }

        return states;
    }
}
