namespace Intercom.AiCompliance.Workspaces;

/// <summary>A kind of customer knowledge that may be part of Input; each product may use only the ones its workspace allows.</summary>
public enum KnowledgeSource
{
    /// <summary>Not a source: a request tagged with it is refused.</summary>
    Unknown = 0,

    /// <summary>Help-centre articles.</summary>
    Articles = 1,

    /// <summary>Snippets.</summary>
    Snippets = 2,

    /// <summary>Synced external websites.</summary>
    Websites = 3,

    /// <summary>Past conversations.</summary>
    Conversations = 4,

    /// <summary>Tickets.</summary>
    Tickets = 5,

    /// <summary>Uploaded PDFs.</summary>
    Pdfs = 6,
}
