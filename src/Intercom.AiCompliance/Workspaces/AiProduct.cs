namespace Intercom.AiCompliance.Workspaces;

/// <summary>The platform's AI products: the callers of the router.</summary>
public enum AiProduct
{
    /// <summary>Not a product: a request that names it is refused.</summary>
    Unknown = 0,

    /// <summary>Fin AI Agent: answers end users.</summary>
    FinAiAgent = 1,

    /// <summary>Fin Sales Agent.</summary>
    FinSalesAgent = 2,

    /// <summary>Copilot: assists teammates.</summary>
    Copilot = 3,

    /// <summary>AI features in the Inbox (summaries, tone, translation).</summary>
    Inbox = 4,

    /// <summary>Phone: call transcripts.</summary>
    Phone = 5,

    /// <summary>Fin Voice: spoken answers.</summary>
    FinVoice = 6,

    /// <summary>CX Score (Pro): rates the customer experience of whole conversations.</summary>
    CxScore = 7,
}
