namespace Intercom.AiCompliance.Catalog;

/// <summary>Well-known names of the published subprocessor lists a deployment can be on.</summary>
public static class SubprocessorLists
{
    /// <summary>The global subprocessor list: any deployment a default-hosted (US) workspace may use must be on it.</summary>
    public const string Global = "global";

    /// <summary>The EU subprocessor list: only providers that host in the EU (today Azure, AWS and OpenAI).</summary>
    public const string Eu = "eu";
}
