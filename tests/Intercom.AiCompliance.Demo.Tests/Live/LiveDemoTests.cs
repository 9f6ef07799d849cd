using System.Net;
using System.Net.Sockets;
using Intercom.AiCompliance.Demo.Live;

namespace Intercom.AiCompliance.Demo.Tests.Live;

[NonParallelizable]
public sealed class LiveDemoTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void SetUp() => _folder = Path.Combine(Path.GetTempPath(), "aicompliance-live-demo-tests", Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RunAsync_NoCredentials_ExitsNonZeroNamesEverySettingAndReachesNoNetwork(CancellationToken token)
    {
        using var probe = new NetworkProbe();
        var output = new StringWriter();

        var exit = await LiveDemo.RunAsync(["--live", "--audit-folder", _folder], new Dictionary<string, string>(), output, token);

        exit.Should().Be(LiveDemo.ExitNotConfigured);
        var text = output.ToString();
        foreach (var setting in new[]
                 {
                     "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
                     "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "ELEVENLABS_API_KEY", "ELEVENLABS_VOICE_ID",
                 })
        {
            text.Should().Contain(setting);
        }

        text.Should().Contain("nothing is sent anywhere");
        probe.Connects.Should().BeEmpty("a run with nothing configured opens no socket");
        probe.Resolutions.Should().BeEmpty("a run with nothing configured resolves no host name");
        Directory.Exists(_folder).Should().BeFalse("nothing configured means no audit store is even created");

        // The probe itself sees connects: a loopback one made now is recorded and recognised as loopback.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, token);
        }

        probe.Connects.Should().NotBeEmpty();
        probe.NonLoopbackConnects.Should().BeEmpty();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RunAsync_SecretInConfigurationFile_RefusesNamingTheKeyNotTheValue(CancellationToken token)
    {
        Directory.CreateDirectory(_folder);
        var config = Path.Combine(_folder, "live.json");
        await File.WriteAllTextAsync(config, """{ "AiComplianceOpenAI": { "ApiKey": "sk-in-a-file-0123456789" } }""", token);
        var output = new StringWriter();

        var exit = await LiveDemo.RunAsync(["--live", "--config", config], new Dictionary<string, string>(), output, token);

        exit.Should().Be(LiveDemo.ExitBadConfiguration);
        output.ToString().Should().Contain("AiComplianceOpenAI:ApiKey").And.NotContain("sk-in-a-file-0123456789");
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task RunAsync_OnlyOpenAIConfigured_SkipsTheOthersByNameSendsOnlyToItsEndpointAndVerifiesTheTrail(CancellationToken token)
    {
        // A closed loopback port stands in for OpenAI: the attempts fail (classified), nothing leaves the machine.
        int port;
        using (var reserve = new TcpListener(IPAddress.Loopback, 0))
        {
            reserve.Start();
            port = ((IPEndPoint)reserve.LocalEndpoint).Port;
        }

        Directory.CreateDirectory(_folder);
        var config = Path.Combine(_folder, "live.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "AiCompliance": {
                "Catalog": {
                  "UseDefault": true,
                  "AllowLoopbackEndpoints": true,
                  "Attestations": {
                    "openai-global": [
                      { "Kind": "ZeroDataRetention", "Reference": "TEST-ONLY-1", "EffectiveFrom": "2025-01-01T00:00:00Z" },
                      { "Kind": "NoTraining", "Reference": "TEST-ONLY-2", "EffectiveFrom": "2025-01-01T00:00:00Z" }
                    ],
                    "bedrock-claude-us": [
                      { "Kind": "ZeroDataRetention", "Reference": "TEST-ONLY-3", "EffectiveFrom": "2025-01-01T00:00:00Z" }
                    ]
                  }
                },
                "Router": { "TotalDeadline": "00:00:20", "AttemptTimeout": "00:00:03",
                  "Retry": { "MaxRetryAttempts": 1, "BaseDelay": "00:00:00.010", "MaxDelay": "00:00:00.020", "MaxRetryAfter": "00:00:00.100" } },
                "Workspaces": [
                  { "WorkspaceId": "live-us", "HostingRegion": "US", "ContractType": "Standard", "HandlesHealthData": false,
                    "AllowedKnowledgeSources": { "FinAiAgent": [ "Articles" ], "FinVoice": [ "Articles" ] } },
                  { "WorkspaceId": "live-eu", "HostingRegion": "EU", "ContractType": "Standard", "HandlesHealthData": false,
                    "AllowedKnowledgeSources": { "FinAiAgent": [ "Articles" ], "FinVoice": [ "Articles" ] } }
                ]
              },
              "LiveDemo": { "Endpoints": { "openai-global": "http://127.0.0.1:{{port}}", "openai-eu": "http://127.0.0.1:{{port}}" } }
            }
            """, token);
        const string Secret = "sk-live-demo-test-0123456789abcdef";
        using var probe = new NetworkProbe();
        var output = new StringWriter();

        var exit = await LiveDemo.RunAsync(["--live", "--config", config, "--audit-folder", _folder],
            new Dictionary<string, string> { ["OPENAI_API_KEY"] = Secret }, output, token);

        var text = output.ToString();
        exit.Should().Be(1, "the planned OpenAI calls failed, and the demo says so by its exit code");
        text.Should().NotContain(Secret);
        text.Should().Contain("OpenAI: configured");
        foreach (var provider in new[] { "Azure OpenAI", "Anthropic", "AWS Bedrock", "Google Vertex AI", "ElevenLabs" })
        {
            text.Should().Contain($"{provider}: SKIPPED, not configured");
        }

        text.Should().Contain("skipped bedrock-claude-eu").And.Contain("skipped fin-cx-us").And.Contain("skipped elevenlabs-us");
        text.Should().Contain("skipped bedrock-claude-us: its attestations are set aside");
        text.Should().Contain("registered openai-global").And.Contain("registered openai-eu");
        text.Should().Contain("plan: openai-global");
        text.Should().Contain("RequestRefusedException (purpose-prohibited)");
        text.Should().Contain("MAC chain verified");
        Directory.GetFiles(_folder, "audit-*.db").Should().ContainSingle();
        probe.Connects.Should().NotBeEmpty("the planned calls were attempted");
        probe.NonLoopbackConnects.Should().BeEmpty("only the configured (loopback) endpoint was ever dialled");
    }
}
