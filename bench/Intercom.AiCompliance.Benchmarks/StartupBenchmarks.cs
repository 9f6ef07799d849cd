using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>
/// Start-up cost by catalogue size: from a loaded JSON configuration to a validated catalogue (read the section
/// strictly, validate the options, build the catalogue), which is what a host pays in <c>StartAsync</c>.
/// </summary>
[MemoryDiagnoser]
public class StartupBenchmarks
{
    private IConfigurationRoot _configuration = null!;

    [Params(1_000, 2_000, 10_000)]
    public int Deployments { get; set; }

    [GlobalSetup]
    public void Setup() => _configuration = StartupConfigurations.Build(Deployments);

    [Benchmark]
    public int Start()
    {
        var services = new ServiceCollection();
        services.AddAiCompliance(_configuration.GetSection(AiComplianceOptions.SectionName));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<ProviderCatalog>().Deployments.Count;
    }
}

/// <summary>
/// The baseline the strict reader replaced: the configuration binder, whose walk of the section asks every provider
/// for the children of every key, so its cost grows with the square of the catalogue. Smaller sizes only: 10,000
/// deployments take minutes.
/// </summary>
[MemoryDiagnoser]
public class StartupBinderBaselineBenchmarks
{
    private IConfigurationRoot _configuration = null!;

    [Params(500, 1_000, 2_000)]
    public int Deployments { get; set; }

    [GlobalSetup]
    public void Setup() => _configuration = StartupConfigurations.Build(Deployments);

    [Benchmark(Baseline = true)]
    public int Bind()
    {
        var options = new AiComplianceOptions();
        _configuration.GetSection(AiComplianceOptions.SectionName).Bind(options);
        return CatalogValidator.Validate(options.Catalog.Deployments).Count + options.Catalog.Deployments.Count;
    }
}

/// <summary>A catalogue of a given size in configuration shape, loaded through the JSON provider as a host loads appsettings.json.</summary>
public static class StartupConfigurations
{
    public static IConfigurationRoot Build(int deployments)
    {
        var inv = CultureInfo.InvariantCulture;
        var regions = new[] { "US", "EU", "AU" };
        var sb = new StringBuilder("""{ "AiCompliance": { "Catalog": { "Deployments": [""");
        for (var i = 0; i < deployments; i++)
        {
            var region = regions[i % 3];
            sb.Append(i == 0 ? "" : ",").Append(inv, $$"""
                { "Id": "d{{i:00000}}", "Provider": "AzureOpenAI", "DeploymentType": "Standard", "Subprocessor": "Microsoft Corporation", "Model": "gpt-4.1",
                  "Capabilities": [ "Chat", "Embeddings" ], "ProcessingRegions": [ "{{region}}" ],
                  "Endpoint": "https://d{{i}}{{(region == "EU" ? ".eu" : "")}}.example.test",
                  "SubprocessorLists": [ "global"{{(region == "EU" ? ", \"eu\"" : "")}} ],
                  "Attestations": [
                    { "Kind": "ZeroDataRetention", "Reference": "FICTIONAL-Z-{{i}}", "EffectiveFrom": "2025-01-01T00:00:00Z", "ExpiresAt": "2028-01-01T00:00:00Z" },
                    { "Kind": "NoTraining", "Reference": "FICTIONAL-N-{{i}}", "EffectiveFrom": "2025-01-01T00:00:00Z" } ],
                  "Quality": { "ResolutionRate": {{(i % 10) / 10d}}, "HallucinationRate": 0.02, "LatencyMs": {{500 + (i % 7)}} } }
                """);
        }

        sb.Append("]}}}");
        return new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(sb.ToString()))).Build();
    }
}
