using FsCheck;
using FsCheck.Fluent;

namespace Intercom.AiCompliance.ElevenLabs.Tests;

/// <summary>The last handler before the network lets a request out only when it asks for zero retention, exactly.</summary>
[CancelAfter(30_000)]
public class ZeroRetentionGuardHandlerTests
{
    [TestCase("https://api.elevenlabs.io/v1/speech-to-text?enable_logging=false", true)]
    [TestCase("https://api.elevenlabs.io/v1/text-to-speech/v?output_format=mp3_44100_128&enable_logging=false", true)]
    [TestCase("https://api.elevenlabs.io/v1/text-to-speech/v?enable_logging=False", false)]
    [TestCase("https://api.elevenlabs.io/v1/text-to-speech/v?enable_logging=true", false)]
    [TestCase("https://api.elevenlabs.io/v1/text-to-speech/v?enable_logging", false)]
    [TestCase("https://api.elevenlabs.io/v1/text-to-speech/v?enable_logging=false&enable_logging=true", false)]
    [TestCase("https://api.elevenlabs.io/v1/text-to-speech/v?output_format=mp3_44100_128", false)]
    [TestCase("https://api.elevenlabs.io/v1/text-to-speech/v?xenable_logging=false", false)]
    [TestCase("https://api.elevenlabs.io/v1/text-to-speech/v", false)]
    public void RequestsZeroRetention_Query_OnlyExactlyOneFalseCounts(string uri, bool expected) =>
        ZeroRetentionGuardHandler.RequestsZeroRetention(new Uri(uri)).Should().Be(expected);

    [Test]
    public void RequestsZeroRetention_AnyQueryWithoutTheParameterOrWithAnotherValue_IsRefused()
    {
        var name = Gen.Elements("output_format", "enable_logging", "ENABLE_LOGGING", "optimize_streaming_latency", "x");
        var value = Gen.Elements("false", "true", "0", "", "mp3_44100_128", "no");
        var pairs = Gen.Zip(name, value).ListOf();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500).WithQuietOnSuccess(true), Prop.ForAll(pairs.ToArbitrary(), list =>
        {
            var query = string.Join("&", list.Select(p => p.Item1 + "=" + p.Item2));
            var uri = new Uri("https://api.elevenlabs.io/v1/text-to-speech/v" + (query.Length > 0 ? "?" + query : ""));
            var logging = list.Where(p => p.Item1.Equals("enable_logging", StringComparison.OrdinalIgnoreCase)).ToList();
            var expected = logging.Count == 1 && logging[0].Item2 == "false";
            return ZeroRetentionGuardHandler.RequestsZeroRetention(uri) == expected;
        }));
    }

    [Test]
    public async Task SendAsync_RequestWithoutEnableLoggingFalse_ThrowsAndNeverReachesTheInnerHandler(CancellationToken ct)
    {
        var inner = new CountingHandler();
        using var invoker = new HttpMessageInvoker(new ZeroRetentionGuardHandler("eleven-a") { InnerHandler = inner });
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.elevenlabs.io/v1/text-to-speech/v?output_format=mp3_44100_128");

        var send = () => invoker.SendAsync(request, ct);

        (await send.Should().ThrowAsync<ZeroRetentionNotRequestedException>()).Which.Message.Should().Contain("eleven-a");
        inner.Calls.Should().Be(0);
    }

    [Test]
    public async Task SendAsync_RequestWithEnableLoggingFalse_IsPassedOn(CancellationToken ct)
    {
        var inner = new CountingHandler();
        using var invoker = new HttpMessageInvoker(new ZeroRetentionGuardHandler("eleven-a") { InnerHandler = inner });
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.elevenlabs.io/v1/speech-to-text?enable_logging=false");

        using var response = await invoker.SendAsync(request, ct);

        inner.Calls.Should().Be(1);
    }

    private sealed class CountingHandler : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }
}
