using System.Net;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Intercom.AiCompliance.AspNetCore.Tests;

[CancelAfter(60_000)]
public class AiComplianceHealthChecksTests
{
    [Test]
    public async Task Health_AllCircuitsClosed_IsHealthy()
    {
        await using var app = await TestApp.StartAsync();
        var response = await app.Client.GetAsync(new Uri("/health", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("Healthy");
    }

    [Test]
    public async Task Health_QuarantinedDeployment_IsDegradedUntilAnOperatorClearsIt()
    {
        await using var app = await TestApp.StartAsync();
        var router = app.App.Services.GetRequiredService<ProviderRouter>();
        var first = (await router.PlanAsync(TestApp.Request("ws-us", "Hello"))).Candidates[0].Id;
        var quarantine = app.App.Services.GetRequiredService<Quarantine.IDeploymentQuarantine>();

        await quarantine.QuarantineAsync(first, "ops", "drill");
        var degraded = await (await app.Client.GetAsync(new Uri("/health", UriKind.Relative))).Content.ReadAsStringAsync();
        (await app.ChatAsync("ws-us", "Hello")).StatusCode.Should().Be(HttpStatusCode.OK, "another compliant deployment serves");
        await quarantine.ClearAsync(first, "ops", "drill over");
        var healthy = await (await app.Client.GetAsync(new Uri("/health", UriKind.Relative))).Content.ReadAsStringAsync();

        degraded.Should().Be("Degraded");
        healthy.Should().Be("Healthy");
    }

    [Test]
    public async Task Health_AfterAnOutageOpensACircuit_IsDegradedWhileOthersServe()
    {
        await using var app = await TestApp.StartAsync(
            simulate: s => s.Outages.Clear(),
            extra: [("AiCompliance:Router:CircuitBreaker:MinimumThroughput", "2")]);
        var router = app.App.Services.GetRequiredService<ProviderRouter>();
        var first = (await router.PlanAsync(TestApp.Request("ws-us", "Hello"))).Candidates[0].Id;
        app.App.Services.GetRequiredService<Providers.Simulated.SimulationOptions>().SetOutage(first);
        var states = app.App.Services.GetRequiredService<IDeploymentStateReader>();

        for (var i = 0; i < 10 && states.GetDeploymentStates().Single(s => s.DeploymentId == first).Circuit != DeploymentCircuitState.Open; i++)
        {
            (await app.ChatAsync("ws-us", "Hello")).StatusCode.Should().Be(HttpStatusCode.OK, "the router fails over to another compliant deployment");
        }

        var state = states.GetDeploymentStates().Single(s => s.DeploymentId == first);
        state.Circuit.Should().Be(DeploymentCircuitState.Open);
        state.BreakEndsAt.Should().NotBeNull();
        var response = await app.Client.GetAsync(new Uri("/health", UriKind.Relative));
        response.StatusCode.Should().Be(HttpStatusCode.OK, "degraded still serves");
        (await response.Content.ReadAsStringAsync()).Should().Be("Degraded");
    }

    [Test]
    public async Task Health_EveryChatCircuitOpen_IsUnhealthyAndRefusalsSayWhenTheEarliestBreakEnds()
    {
        await using var app = await TestApp.StartAsync(extra:
        [
            ("AiCompliance:Router:CircuitBreaker:MinimumThroughput", "2"),
            ("AiCompliance:Router:CircuitBreaker:BreakDuration", "00:00:05"),
        ]);
        var states = app.App.Services.GetRequiredService<IDeploymentStateReader>();
        var simulation = app.App.Services.GetRequiredService<Providers.Simulated.SimulationOptions>();
        var router = app.App.Services.GetRequiredService<ProviderRouter>();
        var candidates = (await router.PlanAsync(TestApp.Request("ws-us", "Hello"))).Candidates.Select(d => d.Id).ToHashSet();
        foreach (var s in states.GetDeploymentStates())
        {
            simulation.SetOutage(s.DeploymentId);
        }

        bool AllOpen() => states.GetDeploymentStates().Where(s => candidates.Contains(s.DeploymentId)).All(s => s.Circuit == DeploymentCircuitState.Open);
        HttpResponseMessage? last = null;
        for (var i = 0; i < 10 && !AllOpen(); i++)
        {
            last = await app.ChatAsync("ws-us", "Hello");
            last.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        AllOpen().Should().BeTrue();
        var refused = await app.ChatAsync("ws-us", "Hello");
        refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter!.Delta.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(5), "the earliest break ends within the break duration, sooner than the 30 s default");
        var health = await app.Client.GetAsync(new Uri("/health", UriKind.Relative));
        health.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await health.Content.ReadAsStringAsync()).Should().Be("Unhealthy");
    }
}
