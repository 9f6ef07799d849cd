using System.Collections.Concurrent;

namespace Intercom.AiCompliance.Providers.Simulated;

/// <summary>
/// What the simulated clients inject: latency, faults and outages, all driven by a seeded randomizer so a
/// scenario replays exactly.
/// </summary>
public sealed class SimulationOptions
{
    /// <summary>The seed of the randomizer. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>The share of calls that fail, from 0 to 1. Default 0.</summary>
    public double FaultRate { get; set; }

    /// <summary>The share of calls delayed by <see cref="Latency"/>, from 0 to 1. Default 0.</summary>
    public double LatencyRate { get; set; }

    /// <summary>The injected latency. Default 50 ms.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The Retry-After sent with injected 429s. Default 1 second.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Relative weights of the injected faults. Default: server errors 4, rate limits 3, connection failures 2, timeouts 1;
    /// no refusals or bad requests unless asked for.
    /// </summary>
    public IDictionary<ProviderFailureKind, double> FaultMix { get; } = new Dictionary<ProviderFailureKind, double>
    {
        [ProviderFailureKind.ServerError] = 4,
        [ProviderFailureKind.RateLimited] = 3,
        [ProviderFailureKind.ConnectionFailure] = 2,
        [ProviderFailureKind.Timeout] = 1,
    };

    /// <summary>Deployments that are down: every call to them fails with a 503 until removed. Safe to change while running.</summary>
    public ConcurrentDictionary<string, bool> Outages { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Deployments that are down until an instant (on the client's clock): every call before it fails with a 503, and the
    /// deployment is healthy again from then on, as after a real outage. Safe to change while running.
    /// </summary>
    public ConcurrentDictionary<string, DateTimeOffset> OutagesUntil { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Marks a deployment as down until <paramref name="until"/>: an outage that ends by itself.</summary>
    public SimulationOptions SetOutage(string deploymentId, DateTimeOffset until)
    {
        OutagesUntil[deploymentId] = until;
        return this;
    }

    /// <summary>Whether <paramref name="deploymentId"/> is down at <paramref name="now"/>.</summary>
    public bool IsDown(string deploymentId, DateTimeOffset now) =>
        Outages.ContainsKey(deploymentId) || (OutagesUntil.TryGetValue(deploymentId, out var until) && now < until);

    /// <summary>Marks a deployment as down (or up again).</summary>
    public SimulationOptions SetOutage(string deploymentId, bool down = true)
    {
        if (down)
        {
            Outages[deploymentId] = true;
        }
        else
        {
            Outages.TryRemove(deploymentId, out _);
        }

        return this;
    }
}
