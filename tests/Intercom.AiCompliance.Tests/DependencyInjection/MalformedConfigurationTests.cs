using Intercom.AiCompliance.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Tests.DependencyInjection;

/// <summary>
/// The corpus under MalformedConfigurations/: each file is the valid configuration (valid.json) with one mistake of the
/// kind the configuration binder drops, misreads or defaults in silence. Every one must stop the host's start with an
/// <see cref="OptionsValidationException"/> naming the key written in its .expect file, and nothing may crash.
/// </summary>
public class MalformedConfigurationTests
{
    private static readonly string Folder = Path.Combine(TestContext.CurrentContext.TestDirectory, "DependencyInjection", "MalformedConfigurations");

    public static IEnumerable<TestCaseData> Corpus() =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "DependencyInjection", "MalformedConfigurations"), "*.json")
            .Where(f => File.Exists(Path.ChangeExtension(f, ".expect")))
            .Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(Path.GetFileName(f), File.ReadAllText(Path.ChangeExtension(f, ".expect")).Trim())
                .SetName($"HostStart_{Path.GetFileNameWithoutExtension(f)}_FailsNamingTheKey"));

    private static IHost Build(string file)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddJsonFile(Path.Combine(Folder, file), optional: false, reloadOnChange: false);
        builder.Services.AddAiCompliance(builder.Configuration.GetSection(AiComplianceOptions.SectionName)).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
        return builder.Build();
    }

    [Test]
    public void Corpus_HasAtLeastFortyCases() => Corpus().Count().Should().BeGreaterThanOrEqualTo(40);

    [Test]
    [CancelAfter(30_000)]
    public async Task HostStart_TheValidBaseOfTheCorpus_Starts(CancellationToken cancellationToken)
    {
        using var host = Build("valid.json");
        await host.StartAsync(cancellationToken);
        await host.StopAsync(cancellationToken);
    }

    [TestCaseSource(nameof(Corpus))]
    [CancelAfter(30_000)]
    public async Task HostStart_MalformedConfiguration_FailsNamingTheKey(string file, string expectedKey, CancellationToken cancellationToken)
    {
        using var host = Build(file);

        var act = () => host.StartAsync(cancellationToken);

        var ex = (await act.Should().ThrowAsync<OptionsValidationException>($"{file} must not start")).Which;
        ex.Failures.Should().Contain(f => f.StartsWith(expectedKey + ":", StringComparison.Ordinal) || f.StartsWith(expectedKey + " ", StringComparison.Ordinal),
            $"the message must name {expectedKey}; it was: {ex.Message}");
    }

    private static object? LowerKeys(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => new System.Text.Json.Nodes.JsonObject(o.Select(p => KeyValuePair.Create(p.Key.ToLowerInvariant(), (System.Text.Json.Nodes.JsonNode?)LowerKeys(p.Value)))),
        System.Text.Json.Nodes.JsonArray a => new System.Text.Json.Nodes.JsonArray([.. a.Select(x => (System.Text.Json.Nodes.JsonNode?)LowerKeys(x))]),
        _ => node?.DeepClone(),
    };

    [Test]
    [CancelAfter(30_000)]
    public async Task HostStart_TheValidBaseWithEveryKeyLowerCasedAndAByteOrderMark_Starts(CancellationToken cancellationToken)
    {
        // Configuration keys are case-insensitive, for the binder and so for the strict reader: this is the same configuration.
        var file = Path.Combine(Path.GetTempPath(), $"aicompliance-lower-{Guid.NewGuid():N}.json");
        var lowered = (System.Text.Json.Nodes.JsonNode)LowerKeys(System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, "valid.json"), cancellationToken)))!;
        await File.WriteAllTextAsync(file, lowered.ToJsonString(), new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true), cancellationToken);
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddJsonFile(file, optional: false, reloadOnChange: false);
            builder.Services.AddAiCompliance(builder.Configuration.GetSection(AiComplianceOptions.SectionName)).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var options = host.Services.GetRequiredService<IOptions<AiComplianceOptions>>().Value;
            options.Workspaces.Should().ContainSingle().Which.HostingRegion.Should().Be(Intercom.AiCompliance.Catalog.Region.EU);
            options.Router.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(5));
            await host.StopAsync(cancellationToken);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task HostStart_MistypedValueFromAnEnvironmentVariable_FailsNamingTheKey(CancellationToken cancellationToken)
    {
        // AiCompliance__Router__AttemptTimeout, as a container sets it, overriding the valid file.
        var prefix = $"AICOMPLIANCE_TEST_{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "AiCompliance__Router__AttemptTimeout", "5 seconds");
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddJsonFile(Path.Combine(Folder, "valid.json"), optional: false, reloadOnChange: false);
            builder.Configuration.AddEnvironmentVariables(prefix);
            builder.Services.AddAiCompliance(builder.Configuration.GetSection(AiComplianceOptions.SectionName)).UseInMemoryAuditForTestsAndDemos().AddSimulatedClientsForDemosAndTests();
            using var host = builder.Build();

            var ex = (await FluentActions.Awaiting(() => host.StartAsync(cancellationToken)).Should().ThrowAsync<OptionsValidationException>()).Which;
            ex.Failures.Should().Contain(f => f.StartsWith("AiCompliance:Router:AttemptTimeout:", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "AiCompliance__Router__AttemptTimeout", null);
        }
    }

    [Test]
    public void HostBuild_JsonWithADuplicateKeyInAnotherCase_FailsNamingTheKey()
    {
        // Valid JSON, but configuration keys are case-insensitive: the second "hostingregion" would silently win.
        var file = Path.Combine(Path.GetTempPath(), $"aicompliance-dup-{Guid.NewGuid():N}.json");
        var text = File.ReadAllText(Path.Combine(Folder, "valid.json")).Replace("\"HostingRegion\": \"EU\",", "\"HostingRegion\": \"EU\", \"hostingregion\": \"US\",", StringComparison.Ordinal);
        text.Should().Contain("hostingregion");
        File.WriteAllText(file, text);
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            FluentActions.Invoking(() => builder.Configuration.AddJsonFile(file, optional: false, reloadOnChange: false)).Should().Throw<InvalidDataException>()
                .Which.InnerException!.Message.Should().Contain("AiCompliance:Workspaces:0:hostingregion");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
