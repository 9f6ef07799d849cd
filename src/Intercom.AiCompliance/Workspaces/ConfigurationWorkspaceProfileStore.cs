using Intercom.AiCompliance.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Workspaces;

/// <summary>
/// Profiles from configuration (<c>AiCompliance:Workspaces</c>), re-read when the configuration reloads with a valid
/// section; a reload with a mistake is logged and ignored, so the last valid profiles stay in force.
/// Suits tools, demos and hosts with few workspaces; larger hosts register their own <see cref="IWorkspaceProfileStore"/>.
/// </summary>
public sealed class ConfigurationWorkspaceProfileStore : IWorkspaceProfileStore
{
    private readonly IOptionsMonitor<AiComplianceOptions> _options;
    private Snapshot? _snapshot;

    /// <summary>Creates the store over the bound options.</summary>
    public ConfigurationWorkspaceProfileStore(IOptionsMonitor<AiComplianceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc/>
    public ValueTask<WorkspaceComplianceProfile?> FindAsync(string workspaceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        var snapshot = _snapshot;
        List<WorkspaceComplianceProfile> current;
        try
        {
            current = _options.CurrentValue.Workspaces;
        }
        catch (OptionsValidationException) when (snapshot is not null)
        {
            // The configuration became invalid after start: keep answering from the last valid profiles rather than
            // from anything defaulted. (AddAiCompliance already withholds invalid reloads; this guards other wirings.)
            return new(snapshot.Index.GetValueOrDefault(workspaceId));
        }


        if (snapshot is null || !ReferenceEquals(snapshot.Source, current))
        {
            snapshot = new Snapshot(current, current.Where(w => w is not null && !string.IsNullOrWhiteSpace(w.WorkspaceId))
                .GroupBy(w => w.WorkspaceId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));
            _snapshot = snapshot;
        }

        return new(snapshot.Index.GetValueOrDefault(workspaceId));
    }

    private sealed record Snapshot(List<WorkspaceComplianceProfile> Source, Dictionary<string, WorkspaceComplianceProfile> Index);
}
