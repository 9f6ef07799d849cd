namespace Intercom.AiCompliance.Workspaces;

/// <summary>
/// Whether personal data in a request's Input is replaced by typed placeholders before it leaves the process, and
/// whether the placeholders in the Output are put back before the caller sees it (see docs/privacy.md).
/// </summary>
public enum RedactionPolicy
{
    /// <summary>The Input is sent as given (the default, and the behaviour before redaction existed).</summary>
    Off = 0,

    /// <summary>Personal data in the Input is replaced by typed placeholders (<c>[EMAIL_1]</c>); the Output is returned as the provider wrote it.</summary>
    Redact = 1,

    /// <summary>As <see cref="Redact"/>, and the placeholders of this request in the Output are put back before the caller sees it.</summary>
    RedactAndRestore = 2,
}
