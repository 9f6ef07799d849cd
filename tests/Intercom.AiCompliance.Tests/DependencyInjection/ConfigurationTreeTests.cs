using Intercom.AiCompliance.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Intercom.AiCompliance.Tests.DependencyInjection;

public class ConfigurationTreeTests
{
    private static IConfigurationRoot Layered() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "DependencyInjection", "MalformedConfigurations", "valid.json"))
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AiCompliance:Workspaces:0:HostingRegion"] = "AU",
            ["AiCompliance:Workspaces:1:WorkspaceId"] = "added",
            ["Other:Key"] = "not read",
        })
        .Build();

    private static Dictionary<string, string?> Flatten(ConfigurationNode node, Dictionary<string, string?>? into = null)
    {
        into ??= new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in node.Children.Values)
        {
            if (child.Children.Count == 0)
            {
                into[child.Path] = child.Value;
            }

            Flatten(child, into);
        }

        return into;
    }

    [Test]
    public void Read_OnePassAndWalk_GiveTheSameKeysAndValues()
    {
        var section = Layered().GetSection("AiCompliance");
        ConfigurationTree.CanReadInOnePass(section).Should().BeTrue();

        var onePass = Flatten(ConfigurationTree.Read(section));
        var walked = Flatten(ConfigurationTree.Read(new OpaqueSection(section)));

        onePass.Should().BeEquivalentTo(walked);
        onePass["AiCompliance:Workspaces:0:HostingRegion"].Should().Be("AU", "a later provider overrides an earlier one");
        onePass.Should().ContainKey("AiCompliance:Workspaces:1:WorkspaceId").And.NotContainKey("Other:Key");
    }

    [Test]
    public void Read_ProviderThatResolvesItsValuesInTryGet_SeesTheValuesConfigurationReports()
    {
        // Providers that decrypt secrets or resolve placeholders keep the raw text in Data and answer through TryGet.
        var root = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "DependencyInjection", "MalformedConfigurations", "valid.json"))
            .Add(new ResolvingSource())
            .Build();
        var section = root.GetSection("AiCompliance");
        section["Workspaces:0:HostingRegion"].Should().Be("EU", "this is what configuration, and the binder, report");

        Flatten(ConfigurationTree.Read(section))["AiCompliance:Workspaces:0:HostingRegion"].Should().Be("EU");
    }

    private sealed class ResolvingSource : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new ResolvingProvider();
    }

    private sealed class ResolvingProvider : ConfigurationProvider
    {
        public override void Load() => Data["AiCompliance:Workspaces:0:HostingRegion"] = "${region-of-ws-eu}";

        public override bool TryGet(string key, out string? value)
        {
            if (base.TryGet(key, out value))
            {
                value = value == "${region-of-ws-eu}" ? "EU" : value;
                return true;
            }

            return false;
        }
    }

    /// <summary>A section the one-pass reader cannot see through, so the walk is used.</summary>
    private sealed class OpaqueSection(IConfigurationSection inner) : IConfigurationSection
    {
        public string? this[string key] { get => inner[key]; set => inner[key] = value; }

        public string Key => inner.Key;

        public string Path => inner.Path;

        public string? Value { get => inner.Value; set => inner.Value = value; }

        public IEnumerable<IConfigurationSection> GetChildren() => inner.GetChildren().Select(c => new OpaqueSection(c));

        public IChangeToken GetReloadToken() => inner.GetReloadToken();

        public IConfigurationSection GetSection(string key) => new OpaqueSection(inner.GetSection(key));
    }
}
