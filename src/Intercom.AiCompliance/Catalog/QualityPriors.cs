namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// What the platform knows of a deployment's quality, used to order compliant candidates.
/// </summary>
/// <remarks>Missing priors rank a deployment last among its peers rather than excluding it: quality is not a promise.</remarks>
public sealed record QualityPriors
{
    /// <summary>Share of conversations resolved, from 0 to 1; higher is better. Default 0.</summary>
    public double ResolutionRate { get; init; }

    /// <summary>Share of answers with a hallucination, from 0 to 1; lower is better. Default 1.</summary>
    public double HallucinationRate { get; init; } = 1;

    /// <summary>Typical (median) latency in milliseconds; lower is better. Default 10,000.</summary>
    public double LatencyMs { get; init; } = 10_000;

    /// <summary>The score used for ranking: resolution minus twice the hallucination rate minus a tenth per second of latency.</summary>
    public double Score => ResolutionRate - (2 * HallucinationRate) - (LatencyMs / 10_000d);
}
