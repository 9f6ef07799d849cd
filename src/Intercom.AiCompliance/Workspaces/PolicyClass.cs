using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Workspaces;

/// <summary>
/// The part of a workspace and request that deployment rules may look at. Every workspace in the same class gets
/// the same candidates at the same moment, which is what lets the planner cache plans.
/// </summary>
/// <param name="HostingRegion">Where the workspace is hosted.</param>
/// <param name="PinnedToUsProcessing">A US-hosted workspace that must also be processed in the US.</param>
/// <param name="RequiresBaa">The workspace handles health data and needs a BAA in force.</param>
/// <param name="Capability">What the request needs.</param>
public readonly record struct PolicyClass(Region HostingRegion, bool PinnedToUsProcessing, bool RequiresBaa, Capability Capability)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{HostingRegion}{(PinnedToUsProcessing ? "+us-pinned" : "")}{(RequiresBaa ? "+baa" : "")}/{Capability}";
}
