namespace Intercom.AiCompliance.Catalog;

/// <summary>The kind of provider behind a deployment; one adapter serves each kind.</summary>
public enum ProviderKind
{
    /// <summary>Not a provider: a deployment that names it fails catalogue validation.</summary>
    Unknown = 0,

    /// <summary>AWS Bedrock (Anthropic models inside AWS).</summary>
    AwsBedrock = 1,

    /// <summary>OpenAI's API, global or with EU data residency.</summary>
    OpenAI = 2,

    /// <summary>Anthropic's API, called directly.</summary>
    Anthropic = 3,

    /// <summary>Microsoft Azure OpenAI.</summary>
    AzureOpenAI = 4,

    /// <summary>Google Vertex AI.</summary>
    GoogleVertex = 5,

    /// <summary>ElevenLabs text to speech.</summary>
    ElevenLabs = 6,

    /// <summary>The platform's own fin-cx models, hosted in its own AWS.</summary>
    FirstParty = 7,
}
