using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>The time failover adds: the first candidate's circuit is open, or it answers 503 (no retries).</summary>
[MemoryDiagnoser]
public class FailoverBenchmarks
{
    private ProviderRouter _healthy = null!;
    private ProviderRouter _circuitOpen = null!;
    private ProviderRouter _fails503 = null!;
    private AiRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        var catalog = Fixtures.Catalog(100);
        _request = Fixtures.Request();
        var first = new Routing.RoutingPlanner(catalog, Rules.ComplianceRuleSet.Default)
            .Plan(_request, Fixtures.Profile(Region.US), DateTimeOffset.UtcNow).Candidates[0].Id;
        var options = new ProviderRouterOptions
        {
            Retry = { MaxRetryAttempts = 0 },
            CircuitBreaker = { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromHours(1) },
        };
        _healthy = Fixtures.Router(catalog, AuditTrail.Discarding(), new ReturningChatClient(), options);
        _fails503 = Fixtures.Router(catalog, AuditTrail.Discarding(), d => d.Id == first ? new UnavailableChatClient() : new ReturningChatClient(), new ProviderRouterOptions
        {
            Retry = { MaxRetryAttempts = 0 },
            CircuitBreaker = { MinimumThroughput = int.MaxValue },
        });
        _circuitOpen = Fixtures.Router(catalog, AuditTrail.Discarding(), d => d.Id == first ? new UnavailableChatClient() : new ReturningChatClient(), options);
        for (var i = 0; i < 5; i++)
        {
            _circuitOpen.SendAsync(_request).GetAwaiter().GetResult();
        }
    }

    [Benchmark(Baseline = true, Description = "First candidate healthy")]
    public Task<AiResponse> Healthy() => _healthy.SendAsync(_request);

    [Benchmark(Description = "First candidate's circuit open")]
    public Task<AiResponse> CircuitOpen() => _circuitOpen.SendAsync(_request);

    [Benchmark(Description = "First candidate answers 503")]
    public Task<AiResponse> ServerError() => _fails503.SendAsync(_request);
}
