using System.Collections.Concurrent;
using FsProperty = FsCheck.NUnit.PropertyAttribute;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.DependencyInjection;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>
/// The served-region check: a provider that reports processing outside the deployment's boundary quarantines it at once,
/// the request fails over inside the plan, the record, the metric and the log say so, and only an operator's clear
/// brings traffic back.
/// </summary>
[CancelAfter(30_000)]
public class ProviderRouterQuarantineTests
{
    private static readonly WorkspaceComplianceProfile Eu = Requests.Profile("ws-eu", Region.EU);

    private sealed class Fixture : IAsyncDisposable
    {
        public Fixture(IEnumerable<ProviderDeployment> deployments, IQuarantineStore? store = null, params WorkspaceComplianceProfile[] profiles)
        {
            var (scripted, shared) = ScriptedClient.ForEveryProvider(Time);
            Spy = shared;
            Trail = new AuditTrail(Sink, AuditKeys.Options());
            var loggers = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
            Quarantine = new DeploymentQuarantine(store ?? new InMemoryQuarantineStore(), Trail, Time, Timeout.InfiniteTimeSpan, loggers.CreateLogger<DeploymentQuarantine>());
            Router = new ProviderRouter(
                new RoutingPlanner(ProviderCatalog.Create(deployments), ComplianceRuleSet.Default),
                scripted, new InMemoryWorkspaceProfileStore(profiles.Length > 0 ? profiles : [Eu]), Trail,
                new ProviderRouterOptions { Retry = { BaseDelay = TimeSpan.Zero, UseJitter = false } }, Time,
                loggers.CreateLogger<ProviderRouter>(), quarantine: Quarantine);
        }

        public FakeTimeProvider Time { get; } = new();

        public ScriptedClient.Shared Spy { get; }

        public InMemoryAuditSink Sink { get; } = new();

        public AuditTrail Trail { get; }

        public CapturingLoggerProvider Logs { get; } = new();

        public DeploymentQuarantine Quarantine { get; }

        public ProviderRouter Router { get; }

        public IReadOnlyList<AuditRecord> Requests => Sink.Records.Where(r => r.Kind is null && r.Outcome != AuditOutcome.Intent).ToArray();

        public IReadOnlyList<AuditRecord> QuarantineRecords => Sink.Records.Where(r => r.Kind == AuditRecord.QuarantineKind).ToArray();

        /// <summary>The deployment's client reports <paramref name="region"/> on every call.</summary>
        public void Reports(string deploymentId, string region, Region? jurisdiction) =>
            Spy.Scripts[deploymentId] = _ =>
            {
                ServedRegionReport.Report(region, jurisdiction);
                return Task.CompletedTask;
            };

        public async ValueTask DisposeAsync()
        {
            await Quarantine.DisposeAsync();
            await Trail.DisposeAsync();
        }
    }

    private static ProviderDeployment[] TwoEu(string prefix) =>
    [
        Deployments.Make(prefix + "-a", region: Region.EU, resolution: 0.9),
        Deployments.Make(prefix + "-b", region: Region.EU, resolution: 0.7),
    ];

    [Test]
    public async Task SendAsync_ProviderReportsARegionOutsideTheDeployment_QuarantinesFailsOverAndSaysSoEverywhere()
    {
        using var metrics = new QuarantineMetrics();
        await using var f = new Fixture(TwoEu("mismatch"));
        f.Reports("mismatch-a", "eastus", Region.US);

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        response.ServedBy.Id.Should().Be("mismatch-b", "the request fails over inside the plan");
        f.Spy.CallsTo("mismatch-a").Should().Be(1, "an incident is never retried on the deployment");
        response.Attempts.Select(a => (a.DeploymentId, a.Outcome)).Should().Equal(
            ("mismatch-a", AttemptOutcome.ServedOutsideRegions), ("mismatch-b", AttemptOutcome.Succeeded));
        response.Attempts[0].Failure.Should().Be(ProviderFailureKind.ServedOutsideRegions);
        f.Quarantine.IsQuarantined("mismatch-a").Should().BeTrue();

        var attempt = f.Requests.Should().ContainSingle().Subject.Attempts[0];
        attempt.Outcome.Should().Be(nameof(AttemptOutcome.ServedOutsideRegions));
        attempt.ServedRegion.Should().Be("eastus");
        attempt.ServedJurisdiction.Should().Be("US");

        var incident = f.QuarantineRecords.Should().ContainSingle().Subject;
        incident.Outcome.Should().Be(AuditOutcome.QuarantineEvent);
        incident.Quarantine!.Action.Should().Be("quarantined");
        incident.Quarantine.DeploymentId.Should().Be("mismatch-a");
        incident.Quarantine.ReportedRegion.Should().Be("eastus");
        incident.Quarantine.ReportedJurisdiction.Should().Be("US");
        incident.Quarantine.DeclaredRegions.Should().Be("EU");
        incident.Quarantine.RequestEventId.Should().Be(response.AuditEventId);
        incident.Quarantine.Reason.Should().Be(DeploymentQuarantine.ServedOutsideRegions);

        var measurement = metrics.For("mismatch-a").Should().ContainSingle().Subject;
        measurement["aicompliance.served_region"].Should().Be("eastus");
        measurement["aicompliance.action"].Should().Be("quarantined");
        f.Logs.Messages.Should().Contain(m => m.Level == LogLevel.Warning && m.Text.Contains("mismatch-a", StringComparison.Ordinal) && m.Text.Contains("eastus", StringComparison.Ordinal));
        f.Logs.Messages.Should().NotContain(m => m.Text.Contains("reset my password", StringComparison.Ordinal), "logs never carry content");
    }

    [Test]
    public async Task SendAsync_AfterAnIncident_TheQuarantinedDeploymentGetsNoTrafficAndPlansSayWhy()
    {
        await using var f = new Fixture(TwoEu("after"));
        f.Reports("after-a", "eastus", Region.US);
        await f.Router.SendAsync(Requests.Make("ws-eu"));
        f.Spy.Scripts.TryRemove("after-a", out _);

        var next = await f.Router.SendAsync(Requests.Make("ws-eu"));
        var plan = await f.Router.PlanAsync(Requests.Make("ws-eu"));

        next.ServedBy.Id.Should().Be("after-b");
        f.Spy.CallsTo("after-a").Should().Be(1, "no call after the quarantine");
        plan.Candidates.Select(d => d.Id).Should().Equal("after-b");
        plan.RejectionsByReason.Should().ContainKey(RejectionReasonCodes.DeploymentQuarantined).WhoseValue.Should().Equal("after-a");
        f.Requests[^1].Rejections.Should().ContainKey(RejectionReasonCodes.DeploymentQuarantined);
        f.Router.GetDeploymentStates().Single(s => s.DeploymentId == "after-a").Quarantined.Should().BeTrue();
    }

    [Test]
    public async Task SendAsync_ReportedRegionMapsToNoJurisdiction_FailsClosed()
    {
        await using var f = new Fixture(TwoEu("unmapped"));
        f.Reports("unmapped-a", "newregion9", null);

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        response.ServedBy.Id.Should().Be("unmapped-b");
        f.Quarantine.Find("unmapped-a")!.Reason.Should().Be(DeploymentQuarantine.ServedRegionUnmapped);
        f.Requests[0].Attempts[0].ServedJurisdiction.Should().Be("unmapped");
    }

    [Test]
    public async Task SendAsync_ReportedRegionInsideTheDeployment_ServesAndRecordsWhere()
    {
        await using var f = new Fixture(TwoEu("inside"));
        f.Reports("inside-a", "swedencentral", Region.EU);

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        response.ServedBy.Id.Should().Be("inside-a");
        f.Quarantine.Count.Should().Be(0);
        f.Requests[0].Attempts[0].ServedRegion.Should().Be("swedencentral");
        f.Requests[0].Attempts[0].ServedJurisdiction.Should().Be("EU");
        f.QuarantineRecords.Should().BeEmpty();
    }

    [Test]
    public async Task SendAsync_ClientReportsNothing_IsNeverQuarantined()
    {
        await using var f = new Fixture(TwoEu("silent"));

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        response.ServedBy.Id.Should().Be("silent-a");
        f.Quarantine.Count.Should().Be(0);
        f.Requests[0].Attempts[0].ServedRegion.Should().BeNull();
    }

    [Test]
    public async Task SendAsync_FailedCallReportedOutsideTheDeployment_IsAnIncidentToo()
    {
        await using var f = new Fixture(TwoEu("failed"));
        f.Spy.Scripts["failed-a"] = _ =>
        {
            ServedRegionReport.Report("westus", Region.US);
            throw new ProviderException(ProviderFailureKind.ServerError, "scripted 503", 503);
        };

        var response = await f.Router.SendAsync(Requests.Make("ws-eu"));

        response.ServedBy.Id.Should().Be("failed-b");
        f.Spy.CallsTo("failed-a").Should().Be(1, "an incident is not retried, whatever the status");
        f.Quarantine.IsQuarantined("failed-a").Should().BeTrue();
    }

    [Test]
    public async Task ClearAsync_ByAnOperator_RestoresTrafficAndIsAudited()
    {
        await using var f = new Fixture(TwoEu("clear"));
        f.Reports("clear-a", "eastus", Region.US);
        await f.Router.SendAsync(Requests.Make("ws-eu"));
        f.Spy.Scripts.TryRemove("clear-a", out _);

        (await f.Quarantine.ClearAsync("clear-a", "ops-alice", "Microsoft confirmed a misrouted deployment, fixed")).Should().BeTrue();
        var next = await f.Router.SendAsync(Requests.Make("ws-eu"));

        next.ServedBy.Id.Should().Be("clear-a");
        var cleared = f.QuarantineRecords.Should().HaveCount(2).And.Subject.Last();
        cleared.Quarantine!.Action.Should().Be("cleared");
        cleared.Quarantine.By.Should().Be("ops-alice");
        cleared.Quarantine.Note.Should().Be("Microsoft confirmed a misrouted deployment, fixed");
        (await f.Quarantine.ClearAsync("clear-a", "ops-alice", "again")).Should().BeFalse("nothing is quarantined any more");
    }

    [Test]
    public async Task SendAsync_EveryCandidateQuarantined_RefusesNamingTheQuarantine()
    {
        await using var f = new Fixture(TwoEu("all"));
        await f.Quarantine.QuarantineAsync("all-a", "ops", "investigating");
        await f.Quarantine.QuarantineAsync("all-b", "ops", "investigating");

        var act = () => f.Router.SendAsync(Requests.Make("ws-eu"));

        var ex = (await act.Should().ThrowAsync<NoCompliantRouteException>()).Which;
        ex.Plan.RejectionsByReason.Should().ContainKey(RejectionReasonCodes.DeploymentQuarantined).WhoseValue.Should().BeEquivalentTo("all-a", "all-b");
        f.Spy.Calls.Should().BeEmpty();
    }

    [Test]
    public async Task SendStreamingAsync_RegionReportedWithTheHeaders_FailsOverBeforeTheFirstUpdate()
    {
        await using var f = new Fixture(TwoEu("stream"));
        f.Reports("stream-a", "eastus", Region.US);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in f.Router.SendStreamingAsync(Requests.Make("ws-eu")))
        {
            updates.Add(u);
        }

        string.Concat(updates.Select(u => u.Text)).Should().Be("ok from stream-b", "nothing of the incident's stream reaches the caller");
        f.Quarantine.IsQuarantined("stream-a").Should().BeTrue();
        f.Requests.Should().ContainSingle().Which.Attempts.Select(a => a.Outcome).Should().Equal(
            nameof(AttemptOutcome.ServedOutsideRegions), nameof(AttemptOutcome.Succeeded));
    }

    [Test]
    public void Report_OutsideAnAttempt_IsIgnored()
    {
        ServedRegionReport.IsListening.Should().BeFalse();
        FluentActions.Invoking(() => ServedRegionReport.Report("eastus", Region.US)).Should().NotThrow();
    }

    /// <summary>
    /// Whatever the catalogue, the workspace, the request and the regions the deployments report, a deployment that is
    /// quarantined when a request starts receives no call during it, and every incident quarantines its deployment.
    /// </summary>
    [FsProperty(MaxTest = 150)]
    public bool QuarantinedDeployment_NeverReceivesARequest_WhateverThePlan(int seed)
    {
        var rng = new Random(seed);
        var deployments = RandomCatalogs.Deployments(rng, rng.Next(1, 12));
        var profile = RandomCatalogs.Profile(rng);
        var f = new Fixture(deployments, null, profile);
        try
        {
            Region?[] jurisdictions = [Region.US, Region.EU, Region.AU, null];
            foreach (var d in deployments)
            {
                switch (rng.Next(4))
                {
                    case 0:
                        f.Quarantine.QuarantineAsync(d.Id, "ops", "property").AsTask().GetAwaiter().GetResult();
                        break;
                    case 1:
                        var j = jurisdictions[rng.Next(jurisdictions.Length)];
                        f.Reports(d.Id, j?.Code.ToLowerInvariant() ?? "nowhere", j);
                        break;
                }
            }

            for (var i = 0; i < 4; i++)
            {
                var before = deployments.Where(d => f.Quarantine.IsQuarantined(d.Id)).ToDictionary(d => d.Id, d => f.Spy.CallsTo(d.Id));
                var request = RandomCatalogs.Request(rng, profile.WorkspaceId);
                var plan = f.Router.Plan(request, profile);
                if (plan.Candidates.Any(c => before.ContainsKey(c.Id)))
                {
                    return false;
                }

                try
                {
                    f.Router.SendAsync(request).GetAwaiter().GetResult();
                }
                catch (AiRoutingException)
                {
                    // Refused or failed: what matters is who was called.
                }

                if (before.Any(q => f.Spy.CallsTo(q.Key) != q.Value))
                {
                    return false;
                }

                // Every attempt the provider reported outside the boundary quarantined its deployment.
                if (f.Requests[^1].Attempts.Any(a => a.Outcome == nameof(AttemptOutcome.ServedOutsideRegions) && !f.Quarantine.IsQuarantined(a.DeploymentId)))
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            f.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
