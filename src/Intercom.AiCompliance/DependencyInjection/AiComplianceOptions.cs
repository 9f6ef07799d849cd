using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.DependencyInjection;

/// <summary>Everything the package reads from configuration section <c>AiCompliance</c>.</summary>
public sealed class AiComplianceOptions
{
    /// <summary>The configuration section name: <c>AiCompliance</c>.</summary>
    public const string SectionName = "AiCompliance";

    /// <summary>The catalogue of deployments.</summary>
    public CatalogOptions Catalog { get; set; } = new();

    /// <summary>Router settings: deadlines, retries, circuit breakers, limits, audit policy.</summary>
    public ProviderRouterOptions Router { get; set; } = new();

    /// <summary>Audit trail settings.</summary>
    public AuditOptions Audit { get; set; } = new();

    /// <summary>Where deployment quarantines persist and how often they are re-read: <c>AiCompliance:Quarantine</c>.</summary>
    public QuarantineOptions Quarantine { get; set; } = new();

    /// <summary>Workspace profiles for the configuration-bound profile store (small hosts, tools, demos).</summary>
    public List<WorkspaceComplianceProfile> Workspaces { get; set; } = [];
}

/// <summary>The catalogue section: <c>AiCompliance:Catalog</c>.</summary>
public sealed class CatalogOptions
{
    /// <summary>Start from the package's default catalogue (see docs/default-catalog.md) and add <see cref="Deployments"/> to it. Default false.</summary>
    public bool UseDefault { get; set; }

    /// <summary>The host's deployments.</summary>
    public List<ProviderDeployment> Deployments { get; set; } = [];

    /// <summary>
    /// The host's own contract references, by deployment id (<c>AiCompliance:Catalog:Attestations:{deploymentId}:{n}</c>),
    /// added to that deployment's <see cref="ProviderDeployment.Attestations"/>. This is how a host records the contracts
    /// behind the default catalogue's deployments, which ship with none. Every id must name a deployment in the catalogue.
    /// </summary>
    public Dictionary<string, List<Attestation>> Attestations { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Accept loopback endpoints, for tests against local fakes only. Default false.</summary>
    public bool AllowLoopbackEndpoints { get; set; }

    /// <summary>
    /// The deployments the catalogue is built from: the default ones (if asked for) followed by the host's, each with the
    /// contracts of <see cref="Attestations"/> for its id appended.
    /// </summary>
    public IReadOnlyList<ProviderDeployment> EffectiveDeployments()
    {
        IReadOnlyList<ProviderDeployment> all = UseDefault ? [.. DefaultCatalog.Deployments(), .. Deployments] : Deployments;
        if (Attestations.Count == 0)
        {
            return all;
        }

        var byId = new Dictionary<string, List<Attestation>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, contracts) in Attestations)
        {
            if (!byId.TryGetValue(id, out var list))
            {
                byId[id] = list = [];
            }

            list.AddRange(contracts ?? []);
        }

        return all.Select(d => d is { Id: { } id } && byId.TryGetValue(id, out var extra) && extra is { Count: > 0 }
            ? d with { Attestations = [.. d.Attestations, .. extra] }
            : d).ToArray();
    }
}

/// <summary>The audit section: <c>AiCompliance:Audit</c>.</summary>
public sealed class AuditOptions
{
    /// <summary>
    /// A JSON Lines file to append the audit trail to. When unset, another destination is required (<c>UseSqlite()</c>,
    /// <c>UseAuditSink</c>, or, for tests and demos only, <c>UseInMemoryAuditForTestsAndDemos()</c>); the start fails otherwise.
    /// </summary>
    public string? FilePath { get; set; }

    /// <summary>
    /// Flush every batch to the disk before acknowledging it (a power loss keeps it; one flush per batch, group commit),
    /// default true; false acknowledges once the batch is written to the operating system (a process crash keeps it).
    /// Write-ahead intents are written and acknowledged the same way.
    /// </summary>
    public bool FlushToDisk { get; set; } = true;

    /// <summary>
    /// The key that seals the audit chain (HMAC-SHA256): 32 or more random bytes, base64-encoded, from the host's
    /// secret store. Required with <see cref="FilePath"/> or a host sink; only the in-memory trail may go without
    /// (it then uses a random per-process key). Verifying the trail needs the same key.
    /// </summary>
    public string? ChainKey { get; set; }

    /// <summary>Keys used before <see cref="ChainKey"/>, base64: a stored last record sealed with one of them is accepted and the chain continues under the current key.</summary>
    public List<string> RetiredChainKeys { get; set; } = [];

    /// <summary>How long a request waits for its record to be stored (and one sink call may take) before it gets an audit failure. Default 5 s.</summary>
    public TimeSpan WriteTimeout { get; set; } = AuditTrailOptions.DefaultWriteTimeout;

    /// <summary>How long disposing the trail waits for queued records before failing them. Default 10 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = AuditTrailOptions.DefaultShutdownTimeout;
}

/// <summary>The quarantine section: <c>AiCompliance:Quarantine</c>.</summary>
public sealed class QuarantineOptions
{
    /// <summary>
    /// The JSON file quarantines persist in. When unset: <c>&lt;Audit:FilePath&gt;.quarantine.json</c> next to the audit file,
    /// the SQLite database with <c>UseSqlite</c>, or memory only when the audit trail is in memory too.
    /// </summary>
    public string? FilePath { get; set; }

    /// <summary>How often the store is re-read, so a clear made by the tool or another host takes effect. Default 5 s.</summary>
    public TimeSpan ReloadInterval { get; set; } = Intercom.AiCompliance.Quarantine.DeploymentQuarantine.DefaultReloadInterval;

    /// <summary>The quarantine file for <paramref name="audit"/>'s settings: <see cref="FilePath"/>, else next to the audit file, else none.</summary>
    public string? EffectiveFilePath(AuditOptions audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        return FilePath is { Length: > 0 } path ? path
            : audit.FilePath is { Length: > 0 } auditPath ? auditPath + ".quarantine.json"
            : null;
    }
}
