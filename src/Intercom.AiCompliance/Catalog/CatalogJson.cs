using System.Text.Json;
using System.Text.Json.Serialization;

namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// Reads a catalogue written in configuration shape (<c>{ "AiCompliance": { "Catalog": { "Deployments": [ ... ] } } }</c>),
/// the same shape a host puts in appsettings.json.
/// </summary>
public static class CatalogJson
{
    /// <summary>Reads the deployments from a JSON document in configuration shape, without validating them.</summary>
    /// <exception cref="JsonException">The document is not valid JSON of that shape; the message names the path.</exception>
    public static IReadOnlyList<ProviderDeployment> ReadDeployments(Stream json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var doc = JsonSerializer.Deserialize(json, CatalogJsonContext.Default.CatalogDocument);

        // The source-generated reader sets an init-only property it does not find to null rather than to its initial
        // value: an omitted list means an empty one, so say so (null would read as "not checked" further on).
        return (doc?.AiCompliance?.Catalog?.Deployments ?? []).Select(d => d is null ? d! : d with
        {
            Capabilities = d.Capabilities ?? [],
            ProcessingRegions = d.ProcessingRegions ?? [],
            SubprocessorLists = d.SubprocessorLists ?? [],
            Attestations = d.Attestations ?? [],
            Quality = d.Quality ?? new QualityPriors(),
            Endpoint = d.Endpoint ?? string.Empty,
            Model = d.Model ?? string.Empty,
            Id = d.Id ?? string.Empty,
        }).ToArray();
    }
}

/// <summary>The default catalogue that ships with the package, reflecting the platform's published subprocessors.</summary>
/// <remarks>See docs/default-catalog.md for the assumptions it makes where the public documentation is silent.</remarks>
public static class DefaultCatalog
{
    private const string ResourceName = "Intercom.AiCompliance.DefaultCatalog.json";

    /// <summary>Opens the default catalogue's JSON (configuration shape), for a host that wants to add it to its configuration.</summary>
    public static Stream OpenJson() =>
        typeof(DefaultCatalog).Assembly.GetManifestResourceStream(ResourceName)
        ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the package build.");

    /// <summary>The default deployments, unvalidated and editable with <c>with</c>.</summary>
    public static IReadOnlyList<ProviderDeployment> Deployments()
    {
        using var stream = OpenJson();
        return CatalogJson.ReadDeployments(stream);
    }

    /// <summary>The default catalogue, validated.</summary>
    public static ProviderCatalog Create() => ProviderCatalog.Create(Deployments());
}

internal sealed class CatalogDocument
{
    public CatalogRoot? AiCompliance { get; set; }
}

internal sealed class CatalogRoot
{
    public CatalogSection? Catalog { get; set; }
}

internal sealed class CatalogSection
{
    public List<ProviderDeployment>? Deployments { get; set; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, UseStringEnumConverter = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(CatalogDocument))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
