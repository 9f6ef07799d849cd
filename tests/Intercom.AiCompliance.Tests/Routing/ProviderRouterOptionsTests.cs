using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Routing;

public class ProviderRouterOptionsTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Defaults_HangingPrimaryAndHealthySecondary_SecondaryServesInsideTheDeadline(CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions();
        await using var f = new RouterFixture([Deployments.Make("primary", resolution: 0.9), Deployments.Make("secondary", resolution: 0.5)], clock, options);
        f.Spy.Scripts["primary"] = ct => Task.Delay(Timeout.Infinite, ct);
        var started = clock.GetUtcNow();

        var send = f.Router.SendAsync(Requests.Make(), cancellationToken);
        while (!send.IsCompleted)
        {
            // Jump to the next timer (attempt timeout or backoff) once the router has set one; nothing else moves the clock.
            await Wait.Until(() => send.IsCompleted || clock.PendingDueIn.Count > 0, "the router waits on a timer or finishes");
            if (!send.IsCompleted)
            {
                clock.Advance(clock.PendingDueIn.Min());
                await Task.Delay(2, cancellationToken);
            }
        }

        var response = await send;
        response.ServedBy.Id.Should().Be("secondary", "a primary that hangs must fail over before the default deadline ends");
        f.Spy.CallsTo("primary").Should().Be(options.Retry.MaxRetryAttempts + 1, "the primary gets its retries first");
        (clock.GetUtcNow() - started).Should().BeLessThan(options.TotalDeadline);
    }
}
