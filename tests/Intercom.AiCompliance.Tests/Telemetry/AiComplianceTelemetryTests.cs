using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Telemetry;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Telemetry;

[NonParallelizable]
public class AiComplianceTelemetryTests
{
    [Test]
    public async Task SendAsync_EmitsSpansAndMetricsWithLowCardinalityTags()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == AiComplianceTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var measurements = new ConcurrentBag<(string Instrument, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == AiComplianceTelemetry.Name)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((i, _, tags, _) => measurements.Add((i.Name, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        meters.SetMeasurementEventCallback<double>((i, _, tags, _) => measurements.Add((i.Name, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        meters.Start();

        await using var f = new RouterFixture([Deployments.Make("a", resolution: 0.9), Deployments.Make("b")], profiles: Requests.Profile("ws-tel"));
        f.Spy.Fail("a", ProviderFailureKind.ServerError);
        await f.Router.SendAsync(Requests.Make("ws-tel"));
        meters.RecordObservableInstruments();

        spans.Select(s => s.OperationName).Should().Contain("aicompliance.route").And.Contain("aicompliance.attempt");
        spans.Single(s => s.OperationName == "aicompliance.route").GetTagItem("aicompliance.deployment").Should().Be("b");
        measurements.Select(m => m.Instrument).Should().Contain(["aicompliance.requests", "aicompliance.attempts", "aicompliance.failovers", "aicompliance.request.duration"]);
        measurements.Single(m => m.Instrument == "aicompliance.requests").Tags["aicompliance.outcome"].Should().Be("Succeeded");
        measurements.Where(m => m.Instrument == "aicompliance.attempts").Select(m => m.Tags["aicompliance.deployment"]).Should().Contain(["a", "b"]);
        measurements.SelectMany(m => m.Tags.Values).Should().NotContain("ws-tel");
        spans.SelectMany(s => s.TagObjects).Select(t => t.Value).Should().NotContain("ws-tel");
    }
}
