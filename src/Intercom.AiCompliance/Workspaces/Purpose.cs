namespace Intercom.AiCompliance.Workspaces;

/// <summary>
/// The declared purpose of a request. Purposes carry the EU AI Act's limits: some are refused outright and
/// some need an explicit, recorded clearance.
/// </summary>
public enum Purpose
{
    /// <summary>Not declared: refused, because an undeclared purpose cannot be checked.</summary>
    Undeclared = 0,

    /// <summary>Answering an end user (Fin AI Agent, Fin Voice).</summary>
    AnsweringEndUser = 1,

    /// <summary>Assisting a teammate (Copilot, Inbox).</summary>
    AssistingTeammate = 2,

    /// <summary>Summarising a conversation or ticket.</summary>
    Summarising = 3,

    /// <summary>Scoring the overall customer experience of a conversation (CX Score), not a person.</summary>
    ScoringConversationQuality = 4,

    /// <summary>Transcribing a call.</summary>
    TranscribingCall = 5,

    /// <summary>Retrieving and ranking knowledge for an answer.</summary>
    RetrievingKnowledge = 6,

    /// <summary>Translating a message.</summary>
    Translating = 7,

    /// <summary>
    /// Evaluating an individual worker's performance: high-risk under the AI Act (Annex III, employment);
    /// refused unless the workspace holds an explicit clearance.
    /// </summary>
    EvaluatingIndividualWorker = 100,

    /// <summary>Recognising the emotions of people at work: prohibited by the AI Act; always refused, clearance or not.</summary>
    RecognisingEmotionAtWork = 101,
}
