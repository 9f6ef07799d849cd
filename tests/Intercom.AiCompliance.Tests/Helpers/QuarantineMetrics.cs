using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Intercom.AiCompliance.Telemetry;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>Collects the <c>aicompliance.quarantines</c> counter's measurements (as tag dictionaries) while alive.</summary>
public sealed class QuarantineMetrics : IDisposable
{
    private readonly MeterListener _listener = new();

    public QuarantineMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AiComplianceTelemetry.Name && instrument.Name == "aicompliance.quarantines")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags)
            {
                d[t.Key] = t.Value;
            }

            Measurements.Enqueue(d);
        });
        _listener.Start();
    }

    public ConcurrentQueue<Dictionary<string, object?>> Measurements { get; } = new();

    /// <summary>The measurements for one deployment (tests use ids of their own, so parallel tests do not mix).</summary>
    public IReadOnlyList<Dictionary<string, object?>> For(string deploymentId) =>
        Measurements.Where(m => Equals(m.GetValueOrDefault("aicompliance.deployment"), deploymentId)).ToArray();

    public void Dispose() => _listener.Dispose();
}
