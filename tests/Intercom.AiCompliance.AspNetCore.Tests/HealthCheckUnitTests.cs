using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Training;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Intercom.AiCompliance.AspNetCore.Tests;

[CancelAfter(30_000)]
public class HealthCheckUnitTests
{
    private static readonly HealthCheckContext Context = new();

    [Test]
    public async Task AuditTrailHealthCheck_ShutDownTrail_IsUnhealthy()
    {
        var trail = new AuditTrail(new InMemoryAuditSink());
        var check = new AuditTrailHealthCheck(trail);
        (await check.CheckHealthAsync(Context)).Status.Should().Be(HealthStatus.Healthy);

        await trail.DisposeAsync();

        (await check.CheckHealthAsync(Context)).Status.Should().Be(HealthStatus.Unhealthy);
    }

    [Test]
    public async Task AuditTrailHealthCheck_LastWriteFailed_IsUnhealthyUntilAWriteSucceeds(CancellationToken cancellationToken)
    {
        var sink = new FlakySink();
        await using var trail = new AuditTrail(sink, new AuditTrailOptions { ChainKey = AuditChainKey.CreateEphemeral() });
        var check = new AuditTrailHealthCheck(trail);
        sink.Failing = true;

        var append = async () => await trail.AppendAsync(Record(), cancellationToken);
        await append.Should().ThrowAsync<AuditWriteException>();
        var result = await check.CheckHealthAsync(Context, cancellationToken);
        result.Status.Should().Be(HealthStatus.Unhealthy);
        result.Description.Should().Contain(nameof(AuditWriteFailure.SinkFailed)).And.NotContain(FlakySink.Secret);
        trail.LastWriteFailure.Should().Be(AuditWriteFailure.SinkFailed);

        sink.Failing = false;
        await trail.AppendAsync(Record(), cancellationToken);
        (await check.CheckHealthAsync(Context, cancellationToken)).Status.Should().Be(HealthStatus.Healthy);
    }

    [Test]
    public async Task ConsentStoreHealthCheck_StoreThrows_IsUnhealthyWithoutTheMessage()
    {
        var result = await new ConsentStoreHealthCheck(new BrokenConsentStore()).CheckHealthAsync(Context);

        result.Status.Should().Be(HealthStatus.Unhealthy);
        result.Exception.Should().BeNull();
        result.Description.Should().Contain(nameof(InvalidOperationException)).And.NotContain(FlakySink.Secret);
        (await new ConsentStoreHealthCheck(new InMemoryConsentEventStore()).CheckHealthAsync(Context)).Status.Should().Be(HealthStatus.Healthy);
    }

    [Test]
    public async Task DeploymentCircuitsHealthCheck_EveryDeploymentOfACapabilityOpen_IsUnhealthy()
    {
        var states = new FixedStates(
            new DeploymentState("chat-a", [Capability.Chat], DeploymentCircuitState.Open, DateTimeOffset.UnixEpoch),
            new DeploymentState("chat-b", [Capability.Chat], DeploymentCircuitState.Isolated, null),
            new DeploymentState("embed-a", [Capability.Embeddings], DeploymentCircuitState.Closed, null));

        var result = await new DeploymentCircuitsHealthCheck(states).CheckHealthAsync(Context);

        result.Status.Should().Be(HealthStatus.Unhealthy);
        result.Description.Should().Contain("Chat");
    }

    [Test]
    public async Task DeploymentCircuitsHealthCheck_NoDeployment_IsUnhealthy() =>
        (await new DeploymentCircuitsHealthCheck(new FixedStates()).CheckHealthAsync(Context)).Status.Should().Be(HealthStatus.Unhealthy);

    [Test]
    public async Task DeploymentCircuitsHealthCheck_OneOfTwoOpen_IsDegraded()
    {
        var states = new FixedStates(
            new DeploymentState("chat-a", [Capability.Chat], DeploymentCircuitState.Open, DateTimeOffset.UnixEpoch),
            new DeploymentState("chat-b", [Capability.Chat], DeploymentCircuitState.Closed, null));

        (await new DeploymentCircuitsHealthCheck(states).CheckHealthAsync(Context)).Status.Should().Be(HealthStatus.Degraded);
    }

    [Test]
    public async Task DeploymentCircuitsHealthCheck_OneOfTwoQuarantined_IsDegradedAndNamesIt()
    {
        var states = new FixedStates(
            new DeploymentState("chat-a", [Capability.Chat], DeploymentCircuitState.Closed, null) { Quarantined = true, QuarantineReason = "served-region-outside-deployment" },
            new DeploymentState("chat-b", [Capability.Chat], DeploymentCircuitState.Closed, null));

        var result = await new DeploymentCircuitsHealthCheck(states).CheckHealthAsync(Context);

        result.Status.Should().Be(HealthStatus.Degraded, "a quarantine with every circuit closed is not healthy: an operator must act");
        result.Description.Should().Contain("Quarantined").And.Contain("chat-a");
        result.Data["chat-a"].Should().Be("Closed, quarantined (served-region-outside-deployment)");
    }

    [Test]
    public async Task DeploymentCircuitsHealthCheck_EveryDeploymentOfACapabilityQuarantinedOrOpen_IsUnhealthy()
    {
        var states = new FixedStates(
            new DeploymentState("chat-a", [Capability.Chat], DeploymentCircuitState.Closed, null) { Quarantined = true, QuarantineReason = "operator" },
            new DeploymentState("chat-b", [Capability.Chat], DeploymentCircuitState.Open, DateTimeOffset.UnixEpoch),
            new DeploymentState("embed-a", [Capability.Embeddings], DeploymentCircuitState.Closed, null));

        var result = await new DeploymentCircuitsHealthCheck(states).CheckHealthAsync(Context);

        result.Status.Should().Be(HealthStatus.Unhealthy);
        result.Description.Should().Contain("Chat").And.Contain("quarantined");
    }

    private static AuditRecord Record() => new()
    {
        EventId = "health",
        Timestamp = DateTimeOffset.UnixEpoch,
        WorkspaceId = "ws-health",
        Product = "FinAiAgent",
        Purpose = "AnsweringEndUser",
        Capability = "Chat",
        Required = new AuditPromises { Region = "EU" },
        Outcome = AuditOutcome.Succeeded,
    };

    private sealed class FixedStates(params DeploymentState[] states) : IDeploymentStateReader
    {
        public IReadOnlyList<DeploymentState> GetDeploymentStates() => states;
    }

    private sealed class FlakySink : IAuditSink
    {
        public const string Secret = "Password=hunter2";
        private AuditChainHead _head = AuditChainHead.Empty;

        public volatile bool Failing;

        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => new(_head);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
        {
            if (Failing)
            {
                throw new InvalidOperationException("connection failed: " + Secret);
            }

            _head = AuditChainHead.After(records[^1]);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class BrokenConsentStore : IConsentEventStore
    {
        public ValueTask<ConsentEvent> AppendAsync(ConsentEvent consentEvent, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException(FlakySink.Secret);

        public ValueTask<IReadOnlyList<ConsentEvent>> ReadAsync(string workspaceId, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException(FlakySink.Secret);

        public ValueTask<IReadOnlyList<ConsentEvent>> ReadAllAsync(CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException(FlakySink.Secret);
    }
}
