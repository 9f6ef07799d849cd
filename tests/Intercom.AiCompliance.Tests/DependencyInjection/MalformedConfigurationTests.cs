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
        builder.Services.AddAiCompliance(builder.Configuration.GetSection(AiComplianceOptions.SectionName)).AddSimulatedClientsForDemosAndTests();
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
}
