using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Tests.DependencyInjection;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Tests.Workspaces;

public class ConfigurationWorkspaceProfileStoreTests
{
    private static Dictionary<string, string?> Workspace(string? region, string? contract = "Standard", string? hipaa = "false")
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["AiCompliance:Workspaces:0:WorkspaceId"] = "ws-1" };
        if (region is not null)
        {
            data["AiCompliance:Workspaces:0:HostingRegion"] = region;
        }

        if (contract is not null)
        {
            data["AiCompliance:Workspaces:0:ContractType"] = contract;
        }

        if (hipaa is not null)
        {
            data["AiCompliance:Workspaces:0:HandlesHealthData"] = hipaa;
        }

        return data;
    }

    private static (ServiceProvider Provider, IConfigurationRoot Config, ReplaceableSource Source, CapturingLoggerProvider Logs) Build()
    {
        var source = new ReplaceableSource(Workspace("EU"));
        var config = new ConfigurationBuilder().Add(source).Build();
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(logs));
        services.AddAiCompliance(config.GetSection(AiComplianceOptions.SectionName)).UseInMemoryAuditForTestsAndDemos();
        return (services.BuildServiceProvider(), config, source, logs);
    }

    [Test]
    public async Task FindAsync_ValidReload_ServesTheNewProfile()
    {
        var (provider, config, source, _) = Build();
        await using var _p = provider;
        var store = provider.GetRequiredService<IWorkspaceProfileStore>();
        (await store.FindAsync("ws-1"))!.HostingRegion.Should().Be(Region.EU);

        source.Provider.Replace(Workspace("AU"));
        config.Reload();

        (await store.FindAsync("ws-1"))!.HostingRegion.Should().Be(Region.AU);
    }

    [Test]
    public async Task FindAsync_EgressRedactionSettings_AreReadAndDefaultToOff()
    {
        var (provider, config, source, _) = Build();
        await using var _p = provider;
        var store = provider.GetRequiredService<IWorkspaceProfileStore>();
        var before = (await store.FindAsync("ws-1"))!;
        before.EgressRedaction.Should().Be(RedactionPolicy.Off, "a workspace that says nothing keeps today's behaviour");
        before.RedactionFor(AiProduct.Copilot).Should().Be(RedactionPolicy.Off);

        var data = Workspace("EU");
        data["AiCompliance:Workspaces:0:EgressRedaction"] = "Redact";
        data["AiCompliance:Workspaces:0:ProductEgressRedaction:Copilot"] = "RedactAndRestore";
        source.Provider.Replace(data);
        config.Reload();

        var profile = (await store.FindAsync("ws-1"))!;
        profile.RedactionFor(AiProduct.FinAiAgent).Should().Be(RedactionPolicy.Redact);
        profile.RedactionFor(AiProduct.Copilot).Should().Be(RedactionPolicy.RedactAndRestore);
    }

    [TestCase(null, "Standard", "false", "AiCompliance:Workspaces:0:HostingRegion")]
    [TestCase("EU", null, "false", "AiCompliance:Workspaces:0:ContractType")]
    [TestCase("EU", "Standard", null, "AiCompliance:Workspaces:0:HandlesHealthData")]
    [TestCase("EUR", "Standard", "false", "AiCompliance:Workspaces:0:HostingRegion")]
    public async Task FindAsync_ReloadMissingOrMistypingAFact_KeepsTheLastValidProfileAndLogsTheKey(string? region, string? contract, string? hipaa, string key)
    {
        var (provider, config, source, logs) = Build();
        await using var _p = provider;
        var store = provider.GetRequiredService<IWorkspaceProfileStore>();
        (await store.FindAsync("ws-1"))!.HostingRegion.Should().Be(Region.EU);

        source.Provider.Replace(Workspace(region, contract, hipaa));
        var reload = () => config.Reload();

        reload.Should().NotThrow("an invalid reload is refused, not thrown at whoever reloads");
        var profile = await store.FindAsync("ws-1");
        profile!.HostingRegion.Should().Be(Region.EU, "the workspace stays EU-hosted: nothing defaults to US");
        profile.ContractType.Should().Be(ContractType.Standard);
        logs.Messages.Should().Contain(m => m.Level == LogLevel.Error && m.Text.Contains(key, StringComparison.Ordinal));
    }

    [Test]
    public async Task Reload_ChangingSettingsReadOnceAtStart_WarnsTheyApplyAfterARestart()
    {
        var (provider, config, source, logs) = Build();
        await using var _p = provider;
        var store = provider.GetRequiredService<IWorkspaceProfileStore>();
        (await store.FindAsync("ws-1"))!.HostingRegion.Should().Be(Region.EU);

        // A workspace change applies at once: nothing to warn about.
        source.Provider.Replace(Workspace("AU"));
        config.Reload();
        (await store.FindAsync("ws-1"))!.HostingRegion.Should().Be(Region.AU);
        logs.Messages.Should().NotContain(m => m.Level == LogLevel.Warning && m.Text.Contains("restart", StringComparison.Ordinal));

        // A router change is valid but the running router keeps its start values: the host must be told.
        var withRouter = Workspace("AU");
        withRouter["AiCompliance:Router:AttemptTimeout"] = "00:00:04";
        source.Provider.Replace(withRouter);
        config.Reload();

        logs.Messages.Should().Contain(m => m.Level == LogLevel.Warning && m.Text.Contains("AiCompliance:Router", StringComparison.Ordinal) && m.Text.Contains("restart", StringComparison.Ordinal));
        logs.Messages.Should().NotContain(m => m.Text.Contains("00:00:04", StringComparison.Ordinal), "values are never logged");
    }

    private sealed class ReplaceableSource(Dictionary<string, string?> initial) : IConfigurationSource
    {
        public ReplaceableProvider Provider { get; } = new(initial);

        public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
    }

    private sealed class ReplaceableProvider(Dictionary<string, string?> initial) : ConfigurationProvider
    {
        private Dictionary<string, string?> _next = initial;

        public void Replace(Dictionary<string, string?> data) => _next = data;

        public override void Load() => Data = new Dictionary<string, string?>(_next, StringComparer.OrdinalIgnoreCase);
    }
}
