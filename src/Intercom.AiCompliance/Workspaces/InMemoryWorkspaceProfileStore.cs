using System.Collections.Concurrent;

namespace Intercom.AiCompliance.Workspaces;

/// <summary>A thread-safe, in-process profile store for hosts that load profiles themselves, and for tests.</summary>
public sealed class InMemoryWorkspaceProfileStore : IWorkspaceProfileStore
{
    private readonly ConcurrentDictionary<string, WorkspaceComplianceProfile> _profiles = new(StringComparer.Ordinal);

    /// <summary>Creates a store holding <paramref name="profiles"/>.</summary>
    public InMemoryWorkspaceProfileStore(IEnumerable<WorkspaceComplianceProfile>? profiles = null)
    {
        foreach (var p in profiles ?? [])
        {
            Upsert(p);
        }
    }

    /// <summary>Adds or replaces a profile.</summary>
    /// <exception cref="ArgumentException">The profile has no workspace id.</exception>
    public void Upsert(WorkspaceComplianceProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (string.IsNullOrWhiteSpace(profile.WorkspaceId))
        {
            throw new ArgumentException("WorkspaceComplianceProfile.WorkspaceId is empty: give the profile its workspace id.", nameof(profile));
        }

        _profiles[profile.WorkspaceId] = profile;
    }

    /// <summary>Removes a profile; later requests for it are refused.</summary>
    public bool Remove(string workspaceId) => _profiles.TryRemove(workspaceId, out _);

    /// <inheritdoc/>
    public ValueTask<WorkspaceComplianceProfile?> FindAsync(string workspaceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        return new(_profiles.GetValueOrDefault(workspaceId));
    }
}
