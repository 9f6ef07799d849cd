using Microsoft.Extensions.AI;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Telemetry;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>
/// What SendAsync adds over the provider call, against three baselines in one run: calling the chat client directly,
/// a bare Polly pipeline with the same strategies, and SendAsync with the audit sink and telemetry switched on.
/// </summary>
[MemoryDiagnoser]
public class SendBenchmarks
{
    private readonly ReturningChatClient _adapter = new();
    private ProviderDeployment _deployment = null!;
    private AiRequest _request = null!;
    private ResiliencePipeline _polly = null!;
    private ProviderRouter _routerNoAudit = null!;
    private ProviderRouter _routerAudited = null!;
    private AuditTrail _trail = null!;
    private ActivityListener? _activities;
    private MeterListener? _meters;

    [GlobalSetup]
    public void Setup()
    {
        var catalog = Fixtures.Catalog(100);
        _deployment = catalog.Deployments[0];
        _request = Fixtures.Request();
        var options = new ProviderRouterOptions();
        _polly = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 2, ShouldHandle = new PredicateBuilder().Handle<Exception>() })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions { ShouldHandle = new PredicateBuilder().Handle<Exception>() })
            .AddTimeout(options.AttemptTimeout)
            .Build();
        _routerNoAudit = Fixtures.Router(catalog, AuditTrail.Discarding(), _adapter, options);
        _trail = new AuditTrail(new DiscardingSink(), new AuditTrailOptions { ChainKey = AuditChainKey.CreateEphemeral() });
        _routerAudited = Fixtures.Router(catalog, _trail, _adapter, options);
    }

    [GlobalSetup(Target = nameof(SendAsync_WithAuditAndTelemetry))]
    public void SetupTelemetry()
    {
        Setup();
        _activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == AiComplianceTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activities);
        _meters = new MeterListener { InstrumentPublished = (i, l) => { if (i.Meter.Name == AiComplianceTelemetry.Name) { l.EnableMeasurementEvents(i); } } };
        _meters.SetMeasurementEventCallback<long>((_, _, _, _) => { });
        _meters.SetMeasurementEventCallback<double>((_, _, _, _) => { });
        _meters.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _activities?.Dispose();
        _meters?.Dispose();
        _trail.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private async Task<AiOutput> Call(CancellationToken cancellationToken) =>
        new ChatOutput(await _adapter.GetResponseAsync(((ChatPayload)_request.Payload).Messages, null, cancellationToken).ConfigureAwait(false));

    [Benchmark(Baseline = true, Description = "Chat client called directly")]
    public Task<ChatResponse> ClientDirect() => _adapter.GetResponseAsync(((ChatPayload)_request.Payload).Messages, null, CancellationToken.None);

    [Benchmark(Description = "Bare Polly pipeline (retry, breaker, timeout)")]
    public async ValueTask<AiOutput> BarePolly()
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            return await _polly.ExecuteAsync(static (ctx, s) => new ValueTask<AiOutput>(s.Call(ctx.CancellationToken)), context, this);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    [Benchmark(Description = "SendAsync, no audit")]
    public Task<AiResponse> SendAsync_NoAudit() => _routerNoAudit.SendAsync(_request);

    [Benchmark(Description = "SendAsync, audit (chain, null sink) + telemetry")]
    public Task<AiResponse> SendAsync_WithAuditAndTelemetry() => _routerAudited.SendAsync(_request);

    private sealed class DiscardingSink : IAuditSink
    {
        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => new(AuditChainHead.Empty);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
