namespace Intercom.AiCompliance.Workspaces;

/// <summary>
/// A workspace's own identifying references (company names, domains, postal addresses), removed from any text
/// before it is offered for training.
/// </summary>
public sealed record CustomerReferences
{
    /// <summary>The company's names and aliases, such as <c>Acme Inc.</c> and <c>Acme</c>.</summary>
    public IReadOnlyList<string> CompanyNames { get; init; } = [];

    /// <summary>The company's internet domains, such as <c>acme.com</c>.</summary>
    public IReadOnlyList<string> Domains { get; init; } = [];

    /// <summary>The company's postal addresses, as written in its records.</summary>
    public IReadOnlyList<string> PostalAddresses { get; init; } = [];
}
