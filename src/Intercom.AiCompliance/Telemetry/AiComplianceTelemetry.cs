using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Intercom.AiCompliance.Telemetry;

/// <summary>
/// The package's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <c>Intercom.AiCompliance</c>.
/// Tags are low-cardinality (deployment, provider, region, product, outcome, reason); never workspace ids or content.
/// </summary>
public static class AiComplianceTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Intercom.AiCompliance";

    /// <summary>Spans: <c>aicompliance.route</c> per request, <c>aicompliance.attempt</c> per attempt.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, "1.0");

    /// <summary>The meter.</summary>
    public static Meter Meter { get; } = new(Name, "1.0");

    internal static Counter<long> Requests { get; } = Meter.CreateCounter<long>("aicompliance.requests", "{request}", "Routed requests by outcome.");

    internal static Counter<long> Refusals { get; } = Meter.CreateCounter<long>("aicompliance.refusals", "{request}", "Refused requests by reason code.");

    internal static Counter<long> Attempts { get; } = Meter.CreateCounter<long>("aicompliance.attempts", "{attempt}", "Provider attempts and skips by deployment and outcome.");

    internal static Counter<long> Failovers { get; } = Meter.CreateCounter<long>("aicompliance.failovers", "{failover}", "Moves from one candidate to the next.");

    internal static Counter<long> TrainingDecisions { get; } = Meter.CreateCounter<long>("aicompliance.training.decisions", "{request}", "Training-gate decisions, made after the audit record is stored, by outcome.");

    internal static Counter<long> Quarantines { get; } = Meter.CreateCounter<long>("aicompliance.quarantines", "{event}", "Deployments quarantined after a served-region incident or by an operator, and quarantines cleared, by deployment and reported region.");

    /// <summary>
    /// Seconds from SendAsync (or the start of a stream) to its outcome, with the bucket boundaries the GenAI conventions
    /// recommend for <c>gen_ai.client.operation.duration</c> (10 ms doubling to about 82 s) advised to the SDK; the
    /// default OpenTelemetry buckets (0 to 10 000, made for milliseconds) would put nearly every AI call in one bucket.
    /// </summary>
    internal static Histogram<double> Duration { get; } = Meter.CreateHistogram(
        "aicompliance.request.duration", "s", "Time from SendAsync to its outcome.", tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = GenAiConventions.DurationBuckets });
}
