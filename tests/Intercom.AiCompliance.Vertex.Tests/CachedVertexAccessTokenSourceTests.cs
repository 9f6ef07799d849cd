using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Vertex.Tests.Helpers;

namespace Intercom.AiCompliance.Vertex.Tests;

/// <summary>Access tokens are kept until shortly before they expire, on the host's clock, and fetched by one caller at a time.</summary>
[CancelAfter(30_000)]
public class CachedVertexAccessTokenSourceTests
{
    [Test]
    public async Task GetAsync_WithinTheTokensLifeMinusTheMargin_ReturnsTheCachedTokenThenANewOne(CancellationToken ct)
    {
        var clock = new FakeTimeProvider();
        var inner = new FakeTokenSource(clock) { Lifetime = TimeSpan.FromMinutes(60) };
        var cache = new CachedVertexAccessTokenSource(inner, clock, TimeSpan.FromMinutes(5));

        (await cache.GetAsync(ct)).Should().Be(FakeTokenSource.Prefix + "1");
        clock.Advance(TimeSpan.FromMinutes(54) + TimeSpan.FromSeconds(59));
        (await cache.GetAsync(ct)).Should().Be(FakeTokenSource.Prefix + "1");
        clock.Advance(TimeSpan.FromSeconds(1));
        (await cache.GetAsync(ct)).Should().Be(FakeTokenSource.Prefix + "2", "55 minutes in, the token is inside the 5-minute margin");
        inner.Calls.Should().Be(2);
    }

    [Test]
    public async Task GetAsync_ManyConcurrentCallers_FetchOneToken(CancellationToken ct)
    {
        var clock = new FakeTimeProvider();
        var inner = new SlowTokenSource(clock);
        var cache = new CachedVertexAccessTokenSource(inner, clock, TimeSpan.FromMinutes(5));

        var all = Enumerable.Range(0, 16).Select(_ => cache.GetAsync(ct).AsTask()).ToList();
        inner.Release.SetResult();
        var tokens = await Task.WhenAll(all);

        tokens.Should().OnlyContain(t => t == "token-1");
        inner.Calls.Should().Be(1);
    }

    [Test]
    public async Task GetAsync_TokenAlreadyInsideTheMargin_IsUsedOnceButNotKept(CancellationToken ct)
    {
        var clock = new FakeTimeProvider();
        var inner = new FakeTokenSource(clock) { Lifetime = TimeSpan.FromMinutes(2) };
        var cache = new CachedVertexAccessTokenSource(inner, clock, TimeSpan.FromMinutes(5));

        await cache.GetAsync(ct);
        await cache.GetAsync(ct);

        inner.Calls.Should().Be(2);
    }

    [Test]
    public async Task GetAsync_EmptyToken_IsAnAuthenticationFailure(CancellationToken ct)
    {
        var clock = new FakeTimeProvider();
        var cache = new CachedVertexAccessTokenSource(new EmptyTokenSource(clock), clock, TimeSpan.FromMinutes(5));

        (await FluentActions.Awaiting(() => cache.GetAsync(ct).AsTask()).Should().ThrowAsync<ProviderException>()).Which.Kind.Should().Be(ProviderFailureKind.Authentication);
    }

    private sealed class SlowTokenSource(TimeProvider clock) : IVertexAccessTokenSource
    {
        private int _calls;

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => _calls;

        public async ValueTask<VertexAccessToken> GetTokenAsync(CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _calls);
            await Release.Task.WaitAsync(cancellationToken);
            return new VertexAccessToken("token-" + n, clock.GetUtcNow().AddHours(1));
        }
    }

    private sealed class EmptyTokenSource(TimeProvider clock) : IVertexAccessTokenSource
    {
        public ValueTask<VertexAccessToken> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new VertexAccessToken("", clock.GetUtcNow().AddHours(1)));
    }
}
