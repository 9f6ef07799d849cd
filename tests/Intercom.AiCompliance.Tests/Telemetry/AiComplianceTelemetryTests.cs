using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Telemetry;
using Intercom.AiCompliance.Tests.Helpers;
using OpenTelemetry;
using OpenTelemetry.Metrics;

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

    [Test]
    public async Task TrainingDecision_IsCountedByOutcomeAfterTheRecord_WithoutWorkspaceIds()
    {
        var measurements = new ConcurrentBag<(string Instrument, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == AiComplianceTelemetry.Name && i.Name == "aicompliance.training.decisions")
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((i, _, tags, _) => measurements.Add((i.Name, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        meters.Start();
        var sink = new Intercom.AiCompliance.Audit.InMemoryAuditSink();
        await using var trail = new Intercom.AiCompliance.Audit.AuditTrail(sink);
        var (adapters, _) = ScriptedClient.ForEveryProvider(TimeProvider.System);
        var gate = new Intercom.AiCompliance.Training.TrainingGate(
            new Intercom.AiCompliance.Training.TrainingConsentLedger(new Intercom.AiCompliance.Training.InMemoryConsentEventStore()),
            new Intercom.AiCompliance.Training.InMemoryTrainingDataSink());
        var router = new Intercom.AiCompliance.Routing.ProviderRouter(
            new Intercom.AiCompliance.Routing.RoutingPlanner(ProviderCatalog.Create([Deployments.Make("a")]), Intercom.AiCompliance.Rules.ComplianceRuleSet.Default),
            adapters, new Intercom.AiCompliance.Workspaces.InMemoryWorkspaceProfileStore([Requests.Profile("ws-tel-training")]), trail, trainingGate: gate);

        await router.SendAsync(Requests.Make("ws-tel-training")).WaitAsync(TimeSpan.FromSeconds(10));
        await router.WaitForTrainingOffersAsync().WaitAsync(TimeSpan.FromSeconds(10));

        measurements.Should().Contain(m => m.Tags.Count == 1 && Equals(m.Tags["aicompliance.outcome"], "offered"));
        measurements.Should().OnlyContain(m => m.Tags.Keys.SequenceEqual(new[] { "aicompliance.outcome" }), "only the outcome: never a workspace id");
        sink.Outcomes().Single().TrainingDecision.Should().Be("offer-after-record");
    }

    [Test]
    public async Task RequestDuration_ExportedThroughTheSdk_InSecondsWithTheGenAiBuckets()
    {
        var exported = new List<Metric>();
        using var metering = Sdk.CreateMeterProviderBuilder().AddMeter(AiComplianceTelemetry.Name).AddInMemoryExporter(exported).Build();
        await using var f = new RouterFixture([Deployments.Make("a")], time: TimeProvider.System, profiles: Requests.Profile("ws-tel-buckets"));

        await f.Router.SendAsync(Requests.Make("ws-tel-buckets")).WaitAsync(TimeSpan.FromSeconds(10));
        metering.ForceFlush();

        var duration = exported.Last(m => m.Name == "aicompliance.request.duration");
        duration.Unit.Should().Be("s");
        duration.MetricType.Should().Be(MetricType.Histogram);
        var bounds = new List<double>();
        foreach (ref readonly var point in duration.GetMetricPoints())
        {
            bounds.Clear();
            foreach (var bucket in point.GetHistogramBuckets())
            {
                bounds.Add(bucket.ExplicitBound);
            }
        }

        bounds.Should().Equal([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, double.PositiveInfinity],
            "the GenAI conventions' gen_ai.client.operation.duration buckets, not the SDK's millisecond defaults");
    }
}
