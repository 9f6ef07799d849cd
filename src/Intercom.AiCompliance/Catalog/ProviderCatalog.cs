using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// A validated, immutable set of provider deployments: the single source of truth for routing and for the
/// subprocessor disclosure.
/// </summary>
public sealed class ProviderCatalog
{
    private readonly FrozenDictionary<string, ProviderDeployment> _byId;
    private readonly DateTimeOffset[] _boundaries;

    private ProviderCatalog(ProviderDeployment[] deployments)
    {
        Deployments = deployments;
        _byId = deployments.ToFrozenDictionary(d => d.Id, StringComparer.OrdinalIgnoreCase);
        _boundaries = deployments
            .SelectMany(d => d.Attestations)
            .SelectMany(a => new[] { a.EffectiveFrom, a.ExpiresAt })
            .OfType<DateTimeOffset>()
            .Distinct()
            .Order()
            .ToArray();
        Fingerprint = ComputeFingerprint(deployments);
    }

    /// <summary>An empty catalogue: every request is refused with no compliant route.</summary>
    public static ProviderCatalog Empty { get; } = new([]);

    /// <summary>The deployments, in the order they were configured.</summary>
    public IReadOnlyList<ProviderDeployment> Deployments { get; }

    /// <summary>A SHA-256 of the catalogue's content (hex); changes whenever anything that affects routing changes.</summary>
    public string Fingerprint { get; }

    /// <summary>
    /// Validates and freezes <paramref name="deployments"/>.
    /// </summary>
    /// <exception cref="CatalogValidationException">The catalogue has errors; each names the deployment and field.</exception>
    public static ProviderCatalog Create(IEnumerable<ProviderDeployment> deployments, CatalogValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(deployments);
        var list = deployments.ToArray();
        var errors = CatalogValidator.Validate(list, options);
        if (errors.Count > 0)
        {
            throw new CatalogValidationException(errors);
        }

        // Copy every collection so a caller that keeps a reference to its lists cannot change a validated catalogue.
        var frozen = list.Select(d => d with
        {
            Capabilities = d.Capabilities.ToArray(),
            ProcessingRegions = d.ProcessingRegions.ToArray(),
            SubprocessorLists = d.SubprocessorLists.ToArray(),
            Attestations = d.Attestations.ToArray(),
        }).ToArray();
        return new ProviderCatalog(frozen);
    }

    /// <summary>Finds a deployment by id (case-insensitive).</summary>
    public ProviderDeployment? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _byId.GetValueOrDefault(id);
    }

    /// <summary>
    /// The first instant after <paramref name="now"/> at which any contract starts or ends, or <see cref="DateTimeOffset.MaxValue"/>:
    /// until then, every rule that depends on time gives the same answer.
    /// </summary>
    public DateTimeOffset NextContractChangeAfter(DateTimeOffset now)
    {
        var index = Array.BinarySearch(_boundaries, now);
        index = index >= 0 ? index + 1 : ~index;
        return index < _boundaries.Length ? _boundaries[index] : DateTimeOffset.MaxValue;
    }

    /// <summary>The last instant at or before <paramref name="now"/> at which any contract started or ended, or <see cref="DateTimeOffset.MinValue"/>.</summary>
    public DateTimeOffset LastContractChangeAtOrBefore(DateTimeOffset now)
    {
        var index = Array.BinarySearch(_boundaries, now);
        index = index >= 0 ? index : ~index - 1;
        return index >= 0 ? _boundaries[index] : DateTimeOffset.MinValue;
    }

    private static string ComputeFingerprint(ProviderDeployment[] deployments)
    {
        var sb = new StringBuilder();
        foreach (var d in deployments.OrderBy(d => d.Id, StringComparer.OrdinalIgnoreCase))
        {
            sb.Append(d.Id.ToUpperInvariant()).Append('|').Append(d.Provider).Append('|').Append(d.Model).Append('|')
              .Append(d.Endpoint).Append('|').Append(d.Subprocessor).Append('|')
              .AppendJoin(',', d.Capabilities.Order()).Append('|')
              .AppendJoin(',', d.ProcessingRegions.Order()).Append('|')
              .AppendJoin(',', d.SubprocessorLists.Select(s => s.ToUpperInvariant()).Order(StringComparer.Ordinal)).Append('|');
            foreach (var a in d.Attestations.OrderBy(a => a.Kind).ThenBy(a => a.EffectiveFrom))
            {
                sb.Append(a.Kind).Append(';').Append(a.Reference).Append(';')
                  .Append(a.EffectiveFrom?.ToString("O", CultureInfo.InvariantCulture)).Append(';')
                  .Append(a.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture)).Append(',');
            }

            sb.Append('|').Append(d.Quality.ResolutionRate.ToString("R", CultureInfo.InvariantCulture))
              .Append(',').Append(d.Quality.HallucinationRate.ToString("R", CultureInfo.InvariantCulture))
              .Append(',').Append(d.Quality.LatencyMs.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
