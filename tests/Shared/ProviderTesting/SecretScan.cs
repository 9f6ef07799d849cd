using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FluentAssertions;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>
/// Collects what a secrets test scans besides logs: every activity stopped in the process (all sources, all data
/// recorded) and, when asked, every measurement with its tags, so a test can assert a secret's fragment never appears.
/// </summary>
public sealed class SecretScan : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly MeterListener? _meters;

    /// <summary>Starts listening; with <paramref name="metrics"/> it records measurements too.</summary>
    public SecretScan(bool metrics = false)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        if (metrics)
        {
            _meters = new MeterListener { InstrumentPublished = (i, l) => l.EnableMeasurementEvents(i) };
            _meters.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i, tags));
            _meters.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i, tags));
            _meters.SetMeasurementEventCallback<int>((i, _, tags, _) => Record(i, tags));
            _meters.Start();
        }
    }

    /// <summary>Every activity stopped while scanning.</summary>
    public ConcurrentQueue<Activity> Activities { get; } = new();

    /// <summary>Every measurement, as its instrument's name then its tags.</summary>
    public ConcurrentQueue<string> Measurements { get; } = new();

    /// <summary>Asserts no activity's name, tags or event tags contain <paramref name="fragment"/>.</summary>
    public static void ActivitiesShouldNotContain(IEnumerable<Activity> activities, string fragment)
    {
        foreach (var a in activities)
        {
            a.DisplayName.Should().NotContain(fragment);
            a.TagObjects.Should().NotContain(t => (t.Value != null ? t.Value.ToString() : "")!.Contains(fragment, StringComparison.Ordinal));
            a.Events.SelectMany(e => e.Tags).Should().NotContain(t => (t.Value != null ? t.Value.ToString() : "")!.Contains(fragment, StringComparison.Ordinal));
        }
    }

    /// <summary>Has observable instruments report now.</summary>
    public void RecordObservableInstruments() => _meters?.RecordObservableInstruments();

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        _meters?.Dispose();
        _listener.Dispose();
    }

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        Measurements.Enqueue(instrument.Name + " " + string.Join(";", tags.ToArray().Select(t => $"{t.Key}={t.Value}")));
}
