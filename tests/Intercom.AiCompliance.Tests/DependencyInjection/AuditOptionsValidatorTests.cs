using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Tests.DependencyInjection;

/// <summary>The audit section fails the host's start naming the key, and a file trail never starts without one.</summary>
public class AuditOptionsValidatorTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), $"aicompliance-audit-di-{Guid.NewGuid():N}");

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static IHost Host(params (string Key, string? Value)[] audit) => Host(inMemoryOptIn: true, audit);

    private static IHost Host(bool inMemoryOptIn, params (string Key, string? Value)[] audit)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(
            new (string Key, string? Value)[]
            {
                ("AiCompliance:Catalog:UseDefault", "true"),
                ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
                ("AiCompliance:Workspaces:0:HostingRegion", "US"),
                ("AiCompliance:Workspaces:0:ContractType", "Standard"),
                ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
            }.Concat(FictionalContracts.ConfigurationPairs()).Concat(audit).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        var compliance = builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).AddSimulatedClientsForDemosAndTests();
        if (inMemoryOptIn)
        {
            compliance.UseInMemoryAuditForTestsAndDemos(capacity: 1000);
        }

        return builder.Build();
    }

    [Test]
    public async Task HostStart_NoAuditDestinationAndNoInMemoryOptIn_FailsNamingTheChoices()
    {
        using var host = Host(inMemoryOptIn: false);
        var ex = (await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<InvalidOperationException>()).Which;
        ex.Message.Should().Contain("AiCompliance:Audit:FilePath").And.Contain("UseSqlite()").And.Contain("UseInMemoryAuditForTestsAndDemos()");
    }

    [Test]
    public async Task HostStart_InMemoryOptIn_SinkIsBoundedByTheCapacityGiven()
    {
        using var host = Host(inMemoryOptIn: true);
        await host.StartAsync();
        host.Services.GetRequiredService<AuditTrail>().Sink.Should().BeOfType<InMemoryAuditSink>().Which.Capacity.Should().Be(1000);
        await host.StopAsync();
    }

    [Test]
    public async Task HostStart_FileTrailWithoutAChainKey_FailsNamingTheKey()
    {
        using var host = Host(("AiCompliance:Audit:FilePath", Path.Combine(_dir, "audit.jsonl")));
        var ex = (await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>()).Which;
        ex.Message.Should().Contain("AiCompliance:Audit:ChainKey is required when AiCompliance:Audit:FilePath is set");
        File.Exists(Path.Combine(_dir, "audit.jsonl")).Should().BeFalse("nothing was written with a key nobody holds");
    }

    [TestCase("AiCompliance:Audit:ChainKey", "c2hvcnQtc2VjcmV0", "AiCompliance:Audit:ChainKey")]
    [TestCase("AiCompliance:Audit:ChainKey", "not base64 at all!", "AiCompliance:Audit:ChainKey")]
    [TestCase("AiCompliance:Audit:RetiredChainKeys:0", "c2hvcnQtc2VjcmV0", "AiCompliance:Audit:RetiredChainKeys:0")]
    [TestCase("AiCompliance:Audit:WriteTimeout", "00:00:00", "AiCompliance:Audit:WriteTimeout")]
    [TestCase("AiCompliance:Audit:ShutdownTimeout", "01:00:00", "AiCompliance:Audit:ShutdownTimeout")]
    public async Task HostStart_InvalidAuditSetting_FailsNamingTheKeyNeverTheValue(string key, string value, string expected)
    {
        using var host = Host((key, value));
        var ex = (await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>()).Which;
        ex.Message.Should().Contain(expected);
        if (key.Contains("Key", StringComparison.Ordinal))
        {
            ex.Message.Should().NotContain(value);
        }
    }

    [Test]
    public async Task FileTrailWithAKey_WritesAChainThatVerifiesUnderThatKey()
    {
        var path = Path.Combine(_dir, "audit.jsonl");
        using (var host = Host(("AiCompliance:Audit:FilePath", path), ("AiCompliance:Audit:ChainKey", Key), ("AiCompliance:Audit:FlushToDisk", "false")))
        {
            await host.StartAsync();
            await host.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"));
            await host.StopAsync();
        }

        AuditChainVerifier.VerifyFile(path, AuditChainKey.FromBase64(Key)).Should().Be(new AuditVerificationResult(true, 2, null, null), "the request's intent and outcome");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task HostStart_ChainKeyChangedSinceTheFileWasWritten_FailsNamingTheKeyAndLeavesTheFileAlone(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "audit.jsonl");
        using (var host = Host(("AiCompliance:Audit:FilePath", path), ("AiCompliance:Audit:ChainKey", Key), ("AiCompliance:Audit:FlushToDisk", "false")))
        {
            await host.StartAsync(cancellationToken);
            await host.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), cancellationToken);
            await host.StopAsync(cancellationToken);
        }

        var before = await File.ReadAllBytesAsync(path, cancellationToken);
        var changed = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());
        using (var restarted = Host(("AiCompliance:Audit:FilePath", path), ("AiCompliance:Audit:ChainKey", changed), ("AiCompliance:Audit:FlushToDisk", "false")))
        {
            var ex = (await FluentActions.Awaiting(() => restarted.StartAsync(cancellationToken)).Should().ThrowAsync<OptionsValidationException>()).Which;
            ex.Failures.Should().Contain(f => f.StartsWith("AiCompliance:Audit:ChainKey", StringComparison.Ordinal) && f.Contains("RetiredChainKeys", StringComparison.Ordinal));
            ex.Message.Should().NotContain(changed).And.NotContain(Key);
        }

        (await File.ReadAllBytesAsync(path, cancellationToken)).Should().Equal(before, "a chain nobody can verify must not be appended");

        // A rotation that lists the previous key as retired is what the message asks for: it starts and continues the chain.
        using (var rotated = Host(("AiCompliance:Audit:FilePath", path), ("AiCompliance:Audit:ChainKey", changed), ("AiCompliance:Audit:RetiredChainKeys:0", Key), ("AiCompliance:Audit:FlushToDisk", "false")))
        {
            await rotated.StartAsync(cancellationToken);
            await rotated.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), cancellationToken);
            await rotated.StopAsync(cancellationToken);
        }

        AuditChainVerifier.VerifyFile(path, [AuditChainKey.FromBase64(Key), AuditChainKey.FromBase64(changed)]).Should().Be(new AuditVerificationResult(true, 4, null, null), "two requests, each an intent and an outcome");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task HostStart_KeyRotationRolledBack_FailsNamingTheChainKeyAndLeavesTheFileAlone(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "audit.jsonl");
        var newer = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());
        foreach (var (current, retired) in new[] { (Key, (string?)null), (newer, Key) })
        {
            var settings = new List<(string, string?)> { ("AiCompliance:Audit:FilePath", path), ("AiCompliance:Audit:ChainKey", current), ("AiCompliance:Audit:FlushToDisk", "false") };
            if (retired is not null)
            {
                settings.Add(("AiCompliance:Audit:RetiredChainKeys:0", retired));
            }

            using var host = Host([.. settings]);
            await host.StartAsync(cancellationToken);
            await host.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), cancellationToken);
            await host.StopAsync(cancellationToken);
        }

        var before = await File.ReadAllBytesAsync(path, cancellationToken);

        // Rolled back: the old key is the chain key again and the newer one is listed as retired.
        using (var rolledBack = Host(("AiCompliance:Audit:FilePath", path), ("AiCompliance:Audit:ChainKey", Key), ("AiCompliance:Audit:RetiredChainKeys:0", newer), ("AiCompliance:Audit:FlushToDisk", "false")))
        {
            var ex = (await FluentActions.Awaiting(() => rolledBack.StartAsync(cancellationToken)).Should().ThrowAsync<OptionsValidationException>()).Which;
            ex.Failures.Should().Contain(f => f.StartsWith("AiCompliance:Audit:ChainKey", StringComparison.Ordinal) && f.Contains("rolled back", StringComparison.Ordinal)
                && f.Contains(AuditChainKey.FromBase64(Key).Id, StringComparison.Ordinal));
            ex.Message.Should().NotContain(newer).And.NotContain(Key);
        }

        (await File.ReadAllBytesAsync(path, cancellationToken)).Should().Equal(before, "nothing the verifier would reject was appended");
        AuditChainVerifier.VerifyFile(path, [AuditChainKey.FromBase64(Key), AuditChainKey.FromBase64(newer)]).IsValid.Should().BeTrue();
    }

    [Test]
    [Platform(Include = "Linux,MacOsX", Reason = "uses mkfifo(1)")]
    [CancelAfter(60_000)]
    public async Task HostStart_AuditFileIsANamedPipe_FailsNamingTheKeyInsteadOfHanging(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "audit.jsonl");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]))
        {
            await mkfifo.WaitForExitAsync(cancellationToken);
        }

        using var host = Host(("AiCompliance:Audit:FilePath", path), ("AiCompliance:Audit:ChainKey", Key));

        // On a thread of its own: opening a pipe for writing blocks until a reader comes, and no token can cut that short.
        var start = Task.Factory.StartNew(() => host.StartAsync(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        var ex = (await FluentActions.Awaiting(() => start.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken)).Should().ThrowAsync<OptionsValidationException>()).Which;
        ex.Failures.Should().Contain(f => f.StartsWith("AiCompliance:Audit:FilePath:", StringComparison.Ordinal) && f.Contains("regular file", StringComparison.Ordinal));
    }

    [Test]
    public void HostSinkWithoutAChainKey_ResolvingTheTrailFailsNamingTheKey()
    {
        var services = new ServiceCollection();
        services.AddAiCompliance().UseAuditSink(new ForwardingSink());
        using var provider = services.BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<AuditTrail>())
            .Should().Throw<ArgumentException>().WithMessage("*AiCompliance:Audit:ChainKey*");
    }

    [Test]
    public async Task InMemoryTrailWithoutAKey_StartsWithARandomKey()
    {
        using var host = Host();
        await host.StartAsync();
        var trail = host.Services.GetRequiredService<AuditTrail>();
        trail.Sink.Should().BeOfType<InMemoryAuditSink>();
        trail.ChainKeyId.Should().NotBe(AuditChainKey.FromBase64(Key).Id);
        await host.StopAsync();
    }

    [Test]
    public void ToTrailOptions_CarriesKeysAndTimeouts()
    {
        var audit = new AuditOptions { ChainKey = Key, WriteTimeout = TimeSpan.FromSeconds(2), ShutdownTimeout = TimeSpan.FromSeconds(3) };
        audit.RetiredChainKeys.Add(Convert.ToBase64String(new byte[40]));

        var options = AuditOptionsValidator.ToTrailOptions(audit);

        options.ChainKey!.Id.Should().Be(AuditChainKey.FromBase64(Key).Id);
        options.RetiredChainKeys.Should().ContainSingle().Which.Id.Should().Be(new AuditChainKey(new byte[40]).Id);
        options.WriteTimeout.Should().Be(TimeSpan.FromSeconds(2));
        options.ShutdownTimeout.Should().Be(TimeSpan.FromSeconds(3));
    }

    private sealed class ForwardingSink : IAuditSink
    {
        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => new(AuditChainHead.Empty);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
