namespace Intercom.AiCompliance.Workspaces;

/// <summary>The customer's contract with the platform; some types are opted out of training by default.</summary>
public enum ContractType
{
    /// <summary>Not known: treated as the strictest type for every default.</summary>
    Unknown = 0,

    /// <summary>Standard self-serve terms.</summary>
    Standard = 1,

    /// <summary>A Master SaaS Subscription Agreement: opted out of training by default.</summary>
    Mssa = 2,

    /// <summary>A trial account: opted out of training by default.</summary>
    Trial = 3,
}
