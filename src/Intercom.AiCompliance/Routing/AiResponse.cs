using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Routing;

/// <summary>The answer to a routed request, with where it came from and how it got there.</summary>
public sealed record AiResponse
{
    /// <summary>The provider's Output.</summary>
    public required AiOutput Output { get; init; }

    /// <summary>The deployment that served the request.</summary>
    public required ProviderDeployment ServedBy { get; init; }

    /// <summary>The type name of the M.E.AI client that served it (as registered for the deployment).</summary>
    public required string ServedByClient { get; init; }

    /// <summary>Whether a simulated client served it (only possible where the host opted in, for demos and tests).</summary>
    public bool Simulated { get; init; }

    /// <summary>The regions where that deployment may have processed the Input.</summary>
    public IReadOnlyList<Region> ProcessedIn => ServedBy.ProcessingRegions;

    /// <summary>Every attempt and skip, in order.</summary>
    public required IReadOnlyList<RouteAttempt> Attempts { get; init; }

    /// <summary>The plan's policy fingerprint.</summary>
    public required string PolicyFingerprint { get; init; }

    /// <summary>The audit record's event id, to find it in the trail.</summary>
    public required string AuditEventId { get; init; }
}
