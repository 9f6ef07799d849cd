namespace Intercom.AiCompliance.Cli;

/// <summary>The tool's documented exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Done: the plan is routable, the disclosure was written, the chain is intact.</summary>
    public const int Ok = 0;

    /// <summary>The request would be refused, or the audit chain is broken or holds no record.</summary>
    public const int RefusedOrBroken = 1;

    /// <summary>Bad input or configuration; the message names the argument, key or line.</summary>
    public const int BadInput = 2;
}
