namespace Intercom.AiCompliance.Workspaces;

/// <summary>Where the router looks up workspace profiles.</summary>
public interface IWorkspaceProfileStore
{
    /// <summary>Returns the workspace's profile, or <see langword="null"/> when it is unknown (the request is then refused).</summary>
    ValueTask<WorkspaceComplianceProfile?> FindAsync(string workspaceId, CancellationToken cancellationToken = default);
}
