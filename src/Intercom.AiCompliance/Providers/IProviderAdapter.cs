using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;

namespace Intercom.AiCompliance.Providers;

/// <summary>
/// Calls one kind of provider. The router calls an adapter only for a deployment that passed every rule at that
/// instant; an adapter never chooses where to send data itself.
/// </summary>
public interface IProviderAdapter
{
    /// <summary>The provider kind this adapter serves.</summary>
    ProviderKind Provider { get; }

    /// <summary>
    /// Sends <paramref name="payload"/> to <paramref name="deployment"/> and returns its Output.
    /// Failures are reported as <see cref="ProviderException"/> so the router can classify them.
    /// </summary>
    ValueTask<AiOutput> InvokeAsync(ProviderDeployment deployment, AiPayload payload, CancellationToken cancellationToken);
}
