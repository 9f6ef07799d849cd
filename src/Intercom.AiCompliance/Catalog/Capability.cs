namespace Intercom.AiCompliance.Catalog;

/// <summary>What a deployment can do for a request.</summary>
public enum Capability
{
    /// <summary>Not a capability: a request or deployment that names it is rejected.</summary>
    None = 0,

    /// <summary>Chat completion (text generation).</summary>
    Chat = 1,

    /// <summary>Text to speech, as used by Fin Voice.</summary>
    SpeechSynthesis = 2,

    /// <summary>Speech to text, as used for Phone call transcripts.</summary>
    Transcription = 3,

    /// <summary>Text embeddings for retrieval.</summary>
    Embeddings = 4,

    /// <summary>Reranking retrieved passages against a query.</summary>
    Reranking = 5,
}
