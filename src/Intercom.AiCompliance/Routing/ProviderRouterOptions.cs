using System.ComponentModel.DataAnnotations;

namespace Intercom.AiCompliance.Routing;

/// <summary>What the router does when the audit trail cannot store a record.</summary>
public enum AuditFailureMode
{
    /// <summary>Default: the request fails (its Output is withheld), because an unrecorded call cannot be proven.</summary>
    FailClosed = 0,

    /// <summary>The request succeeds anyway and the failure is logged. Choose this only on purpose.</summary>
    FailOpen = 1,
}

/// <summary>How the router executes: deadlines, retries, circuit breakers, limits and audit policy. Bound from <c>AiCompliance:Router</c>.</summary>
public sealed class ProviderRouterOptions
{
    /// <summary>
    /// The most one request may take, across every attempt and failover. Default 30 seconds.
    /// </summary>
    /// <remarks>
    /// Configuration is validated so that one deployment that hangs cannot use the whole deadline:
    /// (<see cref="RetrySettings.MaxRetryAttempts"/> + 1) x <see cref="AttemptTimeout"/> + MaxRetryAttempts x the longer of
    /// <see cref="RetrySettings.MaxDelay"/> and <see cref="RetrySettings.MaxRetryAfter"/>, plus one more AttemptTimeout for the
    /// next candidate, must fit. With the defaults: 3 x 5 s + 2 x 5 s + 5 s = 30 s.
    /// </remarks>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan TotalDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most one attempt may take. Default 5 seconds, so that a deployment that hangs through all its retries still
    /// leaves time within <see cref="TotalDeadline"/> to fail over to the next candidate.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:30:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retry settings, per deployment.</summary>
    public RetrySettings Retry { get; set; } = new();

    /// <summary>
    /// The longest gap allowed between two updates of a streamed answer, once the first has arrived (the attempt timeout
    /// bounds the wait for the first; the total deadline bounds the whole stream). Default 10 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:30:00")]
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Circuit-breaker settings, per deployment.</summary>
    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();

    /// <summary>The most characters of text one request may send. Default 400,000.</summary>
    [Range(1, long.MaxValue)]
    public long MaxInputCharacters { get; set; } = 400_000;

    /// <summary>The most bytes of audio one request may send. Default 50 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxAudioBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// The most bytes of non-text content (images, files and other data parts of a chat; not transcription audio, which
    /// <see cref="MaxAudioBytes"/> bounds) one request may send. Default 20 MiB.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxInputBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>
    /// The longest one training offer (consent re-check, anonymisation, the sink) may take. Offers run after the audit
    /// record is stored, off the caller's path; one that takes longer is withheld. Default 30 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan TrainingOfferTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What to do when the audit trail fails. Default <see cref="AuditFailureMode.FailClosed"/>.</summary>
    public AuditFailureMode AuditFailureMode { get; set; } = AuditFailureMode.FailClosed;

    /// <summary>
    /// The HMAC key (base64, at least 32 bytes) for the Input and Output digests in audit records. When unset, a random
    /// key is made per process: digests then prove equality only within that process.
    /// </summary>
    public string? AuditDigestKey { get; set; }

    /// <summary>
    /// How long egress redaction of one request's Input may take (for workspaces whose redaction policy is not Off). A
    /// detector that takes longer, or fails, refuses the request with <c>redaction-failed</c>: nothing is sent. Default 2 s; a
    /// <see cref="TotalDeadline"/> shorter than this bounds redaction instead.
    /// </summary>
    public TimeSpan RedactionTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Retry settings for one deployment's pipeline.</summary>
public sealed class RetrySettings
{
    /// <summary>Retries after the first attempt, per candidate. Default 2.</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>The first backoff delay; later ones grow exponentially, with jitter. Default 200 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest backoff delay. Default 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether to add jitter to the backoff. Default true.</summary>
    public bool UseJitter { get; set; } = true;

    /// <summary>
    /// The longest Retry-After the router will wait for; a provider asking for longer is failed over at once. Default 5 seconds
    /// (waiting longer on one provider would leave too little of the default deadline to fail over).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Circuit-breaker settings for one deployment's pipeline.</summary>
public sealed class CircuitBreakerSettings
{
    /// <summary>The failure ratio that opens the circuit, from 0 to 1. Default 0.5.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>The fewest calls in the sampling window before the circuit may open. Default 8.</summary>
    [Range(2, int.MaxValue)]
    public int MinimumThroughput { get; set; } = 8;

    /// <summary>The sampling window. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit stays open. Default 15 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}
