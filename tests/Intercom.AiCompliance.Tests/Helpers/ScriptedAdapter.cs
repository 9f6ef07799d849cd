using System.Collections.Concurrent;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>
/// A spying adapter for every provider kind: records each call (deployment, time) and answers from a per-deployment
/// script; deployments without a script answer successfully.
/// </summary>
public sealed class ScriptedAdapter(ProviderKind provider, ScriptedAdapter.Shared shared) : IProviderAdapter
{
    public ProviderKind Provider => provider;

    public static (IReadOnlyList<IProviderAdapter> Adapters, Shared State) ForEveryProvider(TimeProvider time)
    {
        var shared = new Shared(time);
        return (Enum.GetValues<ProviderKind>().Where(k => k != ProviderKind.Unknown).Select(k => (IProviderAdapter)new ScriptedAdapter(k, shared)).ToArray(), shared);
    }

    public async ValueTask<AiOutput> InvokeAsync(ProviderDeployment deployment, AiPayload payload, CancellationToken cancellationToken)
    {
        shared.Calls.Enqueue((deployment.Id, shared.Time.GetUtcNow()));
        cancellationToken.ThrowIfCancellationRequested();
        if (shared.Scripts.TryGetValue(deployment.Id, out var script))
        {
            await script(cancellationToken);
        }

        return new ChatOutput(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok from " + deployment.Id)));
    }

    public sealed class Shared(TimeProvider time)
    {
        public TimeProvider Time { get; } = time;

        public ConcurrentQueue<(string DeploymentId, DateTimeOffset At)> Calls { get; } = new();

        public ConcurrentDictionary<string, Func<CancellationToken, Task>> Scripts { get; } = new(StringComparer.OrdinalIgnoreCase);

        public int CallsTo(string id) => Calls.Count(c => c.DeploymentId == id);

        public void Fail(string id, ProviderFailureKind kind, TimeSpan? retryAfter = null) =>
            Scripts[id] = _ => throw new ProviderException(kind, $"scripted {kind}", kind == ProviderFailureKind.RateLimited ? 429 : 503, retryAfter);

        public void FailTimes(string id, int times, ProviderFailureKind kind, TimeSpan? retryAfter = null)
        {
            var left = times;
            Scripts[id] = _ => Interlocked.Decrement(ref left) >= 0
                ? throw new ProviderException(kind, $"scripted {kind}", kind == ProviderFailureKind.RateLimited ? 429 : 503, retryAfter)
                : Task.CompletedTask;
        }
    }
}
