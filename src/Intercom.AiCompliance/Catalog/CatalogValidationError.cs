namespace Intercom.AiCompliance.Catalog;

/// <summary>One problem found in a catalogue: which deployment, which field, and how to fix it.</summary>
/// <param name="DeploymentId">The deployment's id, or its position (<c>#3</c>) when it has none.</param>
/// <param name="Field">The field's path inside the deployment, such as <c>Attestations:0:Reference</c>; configuration keys use the same shape.</param>
/// <param name="Message">What is wrong and what would fix it.</param>
/// <param name="Index">The deployment's position in the catalogue, from 0.</param>
public sealed record CatalogValidationError(string DeploymentId, string Field, string Message, int Index)
{
    /// <inheritdoc/>
    public override string ToString() => $"Deployment '{DeploymentId}' (Deployments:{Index}:{Field}): {Message}";
}
