namespace Intercom.AiCompliance.AspNetCore;

/// <summary>Options of <see cref="AiComplianceExceptionHandler"/>.</summary>
public sealed class AiComplianceProblemDetailsOptions
{
    /// <summary>
    /// The <c>Retry-After</c> sent with 503 when every candidate failed and no open circuit says when its break ends.
    /// When some circuits are open, the earliest end of a break is sent instead. Default 30 seconds.
    /// </summary>
    public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(30);
}
