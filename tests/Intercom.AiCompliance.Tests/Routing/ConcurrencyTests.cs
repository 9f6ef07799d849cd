using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers.Simulated;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Routing;

public class ConcurrencyTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task SendAsync_64ConcurrentCallersWithFaultsAndCancellations_NoLostOrDuplicateRecords()
    {
        var path = Path.Combine(Path.GetTempPath(), $"aicompliance-concurrency-{Guid.NewGuid():N}.jsonl");
        try
        {
            var sink = new JsonLinesAuditSink(path, flushToDisk: false);
            var trail = new AuditTrail(sink, AuditKeys.Options());
            var simulation = new SimulationOptions { Seed = 7, FaultRate = 0.35, LatencyRate = 0.3, Latency = TimeSpan.FromMilliseconds(2), RetryAfter = TimeSpan.FromMilliseconds(1) };
            simulation.SetOutage("azure-openai-eu");
            var profiles = new InMemoryWorkspaceProfileStore(
                Enumerable.Range(0, 64).Select(i => Requests.Profile($"ws-{i}", (i % 3) switch { 0 => Region.US, 1 => Region.EU, _ => Region.AU }, hipaa: i % 5 == 0)));
            var router = new ProviderRouter(
                new RoutingPlanner(FictionalContracts.DefaultCatalogue(), ComplianceRuleSet.Default),
                SimulatedClients.Registry(simulation), profiles, trail,
                new ProviderRouterOptions { Retry = { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) } });

            const int perCaller = 25;
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 64).Select(caller => Task.Run(async () =>
            {
                var ended = 0;
                for (var i = 0; i < perCaller; i++)
                {
                    using var cts = new CancellationTokenSource();
                    if ((caller + i) % 7 == 0)
                    {
                        cts.CancelAfter(TimeSpan.FromMilliseconds(1));
                    }

                    try
                    {
                        await router.SendAsync(Requests.Make($"ws-{caller}"), cts.Token);
                    }
                    catch (Exception ex) when (ex is AiRoutingException or OperationCanceledException)
                    {
                    }

                    ended++;
                }

                return ended;
            })));

            await trail.DisposeAsync();
            outcomes.Sum().Should().Be(64 * perCaller);
            var records = File.ReadAllLines(path).Select(AuditChain.FromJson).ToList();
            records.Outcomes().Should().HaveCount(64 * perCaller, "one outcome record per request, none lost");
            records.Outcomes().Select(r => r.EventId).Should().OnlyHaveUniqueItems();
            records.Intents().Select(r => (r.EventId, r.Destinations!.Single().DeploymentId)).Should().OnlyHaveUniqueItems("one write-ahead intent per deployment a request called");
            var result = AuditChainVerifier.VerifyFile(path, AuditKeys.Chain);
            result.IsValid.Should().BeTrue();
            result.IntentsWithoutOutcome.Should().BeEmpty("every request that stored an intent ended with its outcome record, cancelled ones included");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
