using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>Streaming through the router: failover only before the first update, timeouts, and one audit record per stream.</summary>
[CancelAfter(60_000)]
public class ProviderRouterStreamingTests
{
    private static readonly ComplianceContext Context = new()
    {
        WorkspaceId = "ws-1",
        Product = AiProduct.FinAiAgent,
        Purpose = Purpose.AnsweringEndUser,
    };

    private static ProviderDeployment[] TwoDeployments() => [Deployments.Make("a", resolution: 0.9), Deployments.Make("b", resolution: 0.5)];

    private static async IAsyncEnumerable<ChatResponseUpdate> Updates(int count, Exception? thenThrow = null, Func<CancellationToken, Task>? thenWait = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, $"part{i} ");
        }

        if (thenWait is not null)
        {
            await thenWait(cancellationToken);
        }

        if (thenThrow is not null)
        {
            throw thenThrow;
        }

        yield return new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 11, OutputTokenCount = count })] };
    }

    private static async Task<(List<ChatResponseUpdate> Updates, Exception? Error)> ReadAll(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        var updates = new List<ChatResponseUpdate>();
        try
        {
            await foreach (var u in stream)
            {
                updates.Add(u);
            }

            return (updates, null);
        }
        catch (Exception ex)
        {
            return (updates, ex);
        }
    }

    [Test]
    public async Task Stream_FailsBeforeFirstUpdate_FailsOverInsideThePlan()
    {
        await using var f = new RouterFixture(TwoDeployments());
        f.Spy.Fail("a", ProviderFailureKind.ServerError);

        var (updates, error) = await ReadAll(f.Router.AsChatClient(Context).GetStreamingResponseAsync("hi"));

        error.Should().BeNull();
        updates.ToChatResponse().Text.Should().Be("ok from b");
        var record = f.Records.Single();
        record.Outcome.Should().Be(AuditOutcome.Succeeded);
        record.ServedBy.Should().Be("b");
        record.Attempts.Select(a => (a.DeploymentId, a.Outcome)).Should().StartWith(("a", "TransientFailure")).And.EndWith(("b", "Succeeded"));
        record.OutputDigest.Should().NotBeNull();
    }

    [Test]
    public async Task Stream_FailsAfterThirdUpdate_EndsTypedWithoutFailoverAndAuditSaysPartial()
    {
        await using var f = new RouterFixture(TwoDeployments());
        f.Spy.Streams["a"] = ct => Updates(3, new ProviderException(ProviderFailureKind.ServerError, "boom: the prompt was ...", 503), cancellationToken: ct);

        var (updates, error) = await ReadAll(f.Router.AsChatClient(Context).GetStreamingResponseAsync("hi"));

        updates.Should().HaveCount(3);
        var interrupted = error.Should().BeOfType<StreamInterruptedException>().Subject;
        interrupted.UpdatesDelivered.Should().Be(3);
        interrupted.CharactersDelivered.Should().Be("part0 part1 part2 ".Length);
        interrupted.DeploymentId.Should().Be("a");
        interrupted.Reason.Should().Be(StreamInterruptedException.ProviderFailed);
        interrupted.Failure!.Kind.Should().Be(ProviderFailureKind.ServerError);
        interrupted.Message.Should().NotContain("prompt");
        interrupted.InnerException.Should().BeNull();
        f.Spy.CallsTo("b").Should().Be(0, "after the first update nothing is failed over");
        var record = f.Records.Single();
        record.Outcome.Should().Be(AuditOutcome.Partial);
        record.ServedBy.Should().Be("a");
        record.OutputDigest.Should().NotBeNull("the digest of what was delivered");
    }

    [Test]
    public async Task Stream_StallsBetweenUpdates_IdleTimeoutEndsItAndAuditSaysPartial()
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions { StreamIdleTimeout = TimeSpan.FromSeconds(3), Retry = { BaseDelay = TimeSpan.Zero, UseJitter = false } };
        await using var f = new RouterFixture(TwoDeployments(), clock, options);
        f.Spy.Streams["a"] = ct => Updates(2, thenWait: c => Task.Delay(Timeout.InfiniteTimeSpan, c), cancellationToken: ct);

        await using var e = f.Router.AsChatClient(Context).GetStreamingResponseAsync("hi").GetAsyncEnumerator();
        (await e.MoveNextAsync()).Should().BeTrue();
        (await e.MoveNextAsync()).Should().BeTrue();
        var third = e.MoveNextAsync().AsTask();
        await Wait.Until(() => clock.PendingDueIn.Contains(TimeSpan.FromSeconds(3)), "the idle timer runs");
        third.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromSeconds(3));

        var error = (await FluentActions.Awaiting(() => third).Should().ThrowAsync<StreamInterruptedException>()).Which;
        error.Reason.Should().Be(StreamInterruptedException.IdleTimeout);
        error.UpdatesDelivered.Should().Be(2);
        f.Spy.CallsTo("b").Should().Be(0);
        f.Records.Single().Outcome.Should().Be(AuditOutcome.Partial);
        f.Records.Single().OutcomeReason.Should().Be("stream-idle-timeout");
    }

    [Test]
    public async Task Stream_StallsPastTheTotalDeadline_DeadlineEndsItBeforeTheIdleTimeout()
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions
        {
            TotalDeadline = TimeSpan.FromSeconds(5),
            AttemptTimeout = TimeSpan.FromSeconds(5),
            StreamIdleTimeout = TimeSpan.FromSeconds(30),
            Retry = { BaseDelay = TimeSpan.Zero, UseJitter = false },
        };
        await using var f = new RouterFixture(TwoDeployments(), clock, options);
        f.Spy.Streams["a"] = ct => Updates(1, thenWait: c => Task.Delay(Timeout.InfiniteTimeSpan, c), cancellationToken: ct);

        await using var e = f.Router.AsChatClient(Context).GetStreamingResponseAsync("hi").GetAsyncEnumerator();
        (await e.MoveNextAsync()).Should().BeTrue();
        var second = e.MoveNextAsync().AsTask();
        await Wait.Until(() => clock.PendingDueIn.Contains(TimeSpan.FromSeconds(5)), "the watchdog waits for the deadline");
        clock.Advance(TimeSpan.FromSeconds(5));

        var error = (await FluentActions.Awaiting(() => second).Should().ThrowAsync<StreamInterruptedException>()).Which;
        error.Reason.Should().Be(StreamInterruptedException.DeadlineExceeded);
        error.UpdatesDelivered.Should().Be(1);
        f.Records.Single().OutcomeReason.Should().Be("stream-deadline-exceeded");
    }

    [Test]
    public async Task Stream_CallerStopsReading_AuditSaysAbandoned()
    {
        await using var f = new RouterFixture(TwoDeployments());
        f.Spy.Streams["a"] = ct => Updates(10, cancellationToken: ct);

        await foreach (var update in f.Router.AsChatClient(Context).GetStreamingResponseAsync("hi"))
        {
            update.Text.Should().Be("part0 ");
            break;
        }

        var record = f.Records.Single();
        record.Outcome.Should().Be(AuditOutcome.Abandoned);
        record.ServedBy.Should().Be("a");
        record.OutputDigest.Should().NotBeNull();
    }

    [Test]
    public async Task Stream_CallerCancelsMidStream_AuditSaysCancelled()
    {
        await using var f = new RouterFixture(TwoDeployments());
        f.Spy.Streams["a"] = ct => Updates(1, thenWait: c => Task.Delay(Timeout.InfiniteTimeSpan, c), cancellationToken: ct);
        using var cts = new CancellationTokenSource();

        var act = async () =>
        {
            await foreach (var _ in f.Router.AsChatClient(Context).GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
            {
                await cts.CancelAsync();
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        f.Records.Single().Outcome.Should().Be(AuditOutcome.Cancelled);
        f.Spy.CallsTo("b").Should().Be(0);
    }

    [Test]
    public async Task Stream_Completes_RecordKeepsUsageAndDigestOfDeliveredOutput()
    {
        await using var f = new RouterFixture(TwoDeployments());
        f.Spy.Streams["a"] = ct => Updates(4, cancellationToken: ct);

        var (updates, error) = await ReadAll(f.Router.AsChatClient(Context).GetStreamingResponseAsync("hi"));

        error.Should().BeNull();
        updates.Should().HaveCount(5);
        updates[0].AdditionalProperties![ProviderRouterClientExtensions.DeploymentProperty].Should().Be("a");
        var record = f.Records.Single();
        updates[0].AdditionalProperties![ProviderRouterClientExtensions.AuditEventProperty].Should().Be(record.EventId);
        record.Outcome.Should().Be(AuditOutcome.Succeeded);
        record.InputTokens.Should().Be(11);
        record.OutputTokens.Should().Be(4);
    }

    [Test]
    public async Task Stream_FirstUpdateSlowerThanAttemptTimeout_FailsOver()
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions { AttemptTimeout = TimeSpan.FromSeconds(2), Retry = { MaxRetryAttempts = 0 } };
        await using var f = new RouterFixture(TwoDeployments(), clock, options);
        f.Spy.Scripts["a"] = ct => Task.Delay(Timeout.InfiniteTimeSpan, ct);

        var read = ReadAll(f.Router.AsChatClient(Context).GetStreamingResponseAsync("hi"));
        await Wait.Until(() => clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the attempt timer runs");
        clock.Advance(TimeSpan.FromSeconds(2));
        var (updates, error) = await read;

        error.Should().BeNull();
        updates.ToChatResponse().Text.Should().Be("ok from b");
        f.Records.Single().ServedBy.Should().Be("b");
    }

    /// <summary>
    /// Random fault points on every deployment (before the first update, after some updates, or none), with a deployment
    /// outside the plan: a second deployment is never called after the first update, no call leaves the plan, and every
    /// stream leaves exactly one audit record.
    /// </summary>
    [Test]
    public void RandomFaultPoints_NeverFailOverAfterTheFirstUpdate_NeverLeaveThePlan_OneRecordEach()
    {
        var checkedScenarios = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true),
            Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
            {
                RunScenario(seed).GetAwaiter().GetResult();
                Interlocked.Increment(ref checkedScenarios);
            }));
        checkedScenarios.Should().Be(300);
    }

    private static async Task RunScenario(int seed)
    {
        var rng = new Random(seed);
        var inPlan = Enumerable.Range(0, rng.Next(1, 4)).Select(i => Deployments.Make($"d{i}", resolution: 0.9 - (i * 0.1))).ToList();
        var outside = Deployments.Make("outside", zdr: false, resolution: 0.99);
        var options = new ProviderRouterOptions { Retry = { MaxRetryAttempts = rng.Next(0, 2), BaseDelay = TimeSpan.Zero, UseJitter = false } };
        await using var f = new RouterFixture([.. inPlan, outside], options: options);
        var firstDeliveredAfterCall = -1;
        foreach (var d in inPlan.Append(outside))
        {
            switch (rng.Next(4))
            {
                case 0:
                    f.Spy.Fail(d.Id, rng.Next(2) == 0 ? ProviderFailureKind.ServerError : ProviderFailureKind.BadRequest);
                    break;
                case 1:
                    var after = rng.Next(1, 5);
                    f.Spy.Streams[d.Id] = ct => Updates(after, new ProviderException(ProviderFailureKind.ServerError, "mid-stream", 503), cancellationToken: ct);
                    break;
                case 2:
                    f.Spy.Streams[d.Id] = ct => Updates(rng.Next(0, 4), cancellationToken: ct);
                    break;
            }
        }

        var stopAfter = rng.Next(0, 6);
        var read = 0;
        try
        {
            await foreach (var _ in f.Router.AsChatClient(Context).GetStreamingResponseAsync("hi"))
            {
                if (firstDeliveredAfterCall < 0)
                {
                    firstDeliveredAfterCall = f.Spy.Calls.Count;
                }

                if (++read == stopAfter)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is AiRoutingException)
        {
        }

        var calls = f.Spy.Calls.Select(c => c.DeploymentId).ToArray();
        calls.Should().NotContain("outside", $"seed {seed}: never a deployment outside the plan");
        if (firstDeliveredAfterCall >= 0)
        {
            calls.Length.Should().Be(firstDeliveredAfterCall, $"seed {seed}: no deployment is called after the first update");
        }

        f.Records.Should().HaveCount(1, $"seed {seed}: exactly one audit record per stream");
        var record = f.Records.Single();
        if (firstDeliveredAfterCall >= 0)
        {
            record.ServedBy.Should().Be(calls[^1], $"seed {seed}: the record names the deployment that streamed");
        }
    }
}
