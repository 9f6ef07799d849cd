using Intercom.AiCompliance.Rules;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// The base of the router's typed refusals and failures. Messages are built only from catalogue and policy facts,
/// never from request content, so they are safe to log. No exception of the package keeps a provider's or client's
/// exception as its inner exception: what is known about a failed attempt travels as an <see cref="AttemptFailure"/>
/// (type name and codes only), because a client's exception may quote the prompt.
/// </summary>
public abstract class AiRoutingException : Exception
{
    private protected AiRoutingException(string message, RejectionReason reason, string auditEventId, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
        AuditEventId = auditEventId;
    }

    /// <summary>The reason code behind the outcome.</summary>
    public RejectionReason Reason { get; }

    /// <summary>The audit record's event id.</summary>
    public string AuditEventId { get; }
}

/// <summary>The request itself was refused before any deployment was considered (unknown workspace, purpose, knowledge source, size).</summary>
public sealed class RequestRefusedException : AiRoutingException
{
    internal RequestRefusedException(IReadOnlyList<RuleViolation> violations, string auditEventId)
        : base(
            $"The request was refused before anything was sent: {string.Join("; ", violations)}.",
            violations[0].Reason,
            auditEventId) => Violations = violations;

    /// <summary>Every request-level rule the request broke.</summary>
    public IReadOnlyList<RuleViolation> Violations { get; }
}

/// <summary>No deployment in the catalogue keeps every promise for this workspace and request. Nothing was sent.</summary>
public sealed class NoCompliantRouteException : AiRoutingException
{
    internal NoCompliantRouteException(RoutingPlan plan, string auditEventId)
        : base(BuildMessage(plan), new RejectionReason("no-compliant-route"), auditEventId) => Plan = plan;

    /// <summary>The plan, with every rejected deployment and all of its reasons.</summary>
    public RoutingPlan Plan { get; }

    /// <summary>Every rejected deployment.</summary>
    public IReadOnlyList<DeploymentRejection> Rejections => Plan.Rejections;

    private static string BuildMessage(RoutingPlan plan) =>
        $"No compliant route for {plan.Policy}: every deployment was excluded, so nothing was sent. "
        + (plan.Rejections.Count == 0
            ? "The catalogue is empty: add deployments."
            : "Exclusions: " + string.Join(" | ", plan.Rejections.Select(r => r.ToString()))
              + ". To serve this request, add a deployment that keeps these promises to the catalogue.");
}

/// <summary>A provider refused the content under its usage policy. The router does not route around a refusal.</summary>
public sealed class ProviderRefusalException : AiRoutingException
{
    internal ProviderRefusalException(string deploymentId, IReadOnlyList<RouteAttempt> attempts, string auditEventId, AttemptFailure failure)
        : base($"Deployment '{deploymentId}' refused the request under its content policy; it was not sent elsewhere.",
            new RejectionReason("provider-refusal"), auditEventId)
    {
        DeploymentId = deploymentId;
        Attempts = attempts;
        Failure = failure;
    }

    /// <summary>The refusal as the client reported it: exception type, failure kind and status code, never its message.</summary>
    public AttemptFailure Failure { get; }

    /// <summary>The deployment that refused.</summary>
    public string DeploymentId { get; }

    /// <summary>Every attempt made.</summary>
    public IReadOnlyList<RouteAttempt> Attempts { get; }
}

/// <summary>
/// Every compliant candidate failed, the total deadline passed, or a permanent error (bad request, authentication)
/// stopped the request. Nothing was sent outside the plan.
/// </summary>
public sealed class AllCandidatesFailedException : AiRoutingException
{
    internal AllCandidatesFailedException(RejectionReason reason, string summary, IReadOnlyList<RouteAttempt> attempts, string auditEventId, AttemptFailure? lastFailure)
        : base($"{summary} Attempts: {Describe(attempts)}.", reason, auditEventId)
    {
        Attempts = attempts;
        LastFailure = lastFailure;
    }

    /// <summary>Every attempt and skip, in order.</summary>
    public IReadOnlyList<RouteAttempt> Attempts { get; }

    /// <summary>
    /// The last failed call, when there was one: exception type, failure kind and status code. The client's exception
    /// itself is never kept, because its message may hold content.
    /// </summary>
    public AttemptFailure? LastFailure { get; }

    /// <summary>The reason code when the total deadline passed.</summary>
    public static RejectionReason DeadlineExceeded { get; } = new("deadline-exceeded");

    /// <summary>The reason code when every candidate failed or was skipped.</summary>
    public static RejectionReason CandidatesExhausted { get; } = new("candidates-exhausted");

    /// <summary>The reason code when a permanent provider error stopped the request.</summary>
    public static RejectionReason PermanentError { get; } = new("permanent-provider-error");

    private static string Describe(IReadOnlyList<RouteAttempt> attempts) => attempts.Count == 0
        ? "none"
        : string.Join(", ", attempts.Select(a => $"{a.DeploymentId}={a.Outcome}{(a.Failure is { } f ? $"({f})" : "")}"));
}

/// <summary>
/// What is known about a failed provider call, and all that the package keeps of it: the exception's type name and
/// its codes. Never the exception object, its message or its inner exceptions, which may quote the prompt.
/// </summary>
/// <param name="DeploymentId">The deployment called.</param>
/// <param name="ExceptionType">The client exception's type name, such as <c>ProviderException</c> or <c>TaskCanceledException</c>.</param>
/// <param name="Kind">How the router classified the failure; <see langword="null"/> when it could not (an unclassified error, which stops the request).</param>
/// <param name="StatusCode">The HTTP status the client reported, when there was one.</param>
public sealed record AttemptFailure(string DeploymentId, string ExceptionType, Providers.ProviderFailureKind? Kind, int? StatusCode)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{DeploymentId}: {ExceptionType}{(Kind is { } k ? $" ({k})" : " (unclassified)")}{(StatusCode is { } s ? $" HTTP {s}" : "")}";
}

/// <summary>
/// A streamed answer failed after its first update had reached the caller. It was not failed over (the caller already
/// holds part of one deployment's answer); <see cref="UpdatesDelivered"/> and <see cref="CharactersDelivered"/> say how
/// much was delivered. The audit record says <c>Partial</c>.
/// </summary>
public sealed class StreamInterruptedException : AiRoutingException
{
    internal StreamInterruptedException(RejectionReason reason, string deploymentId, int updatesDelivered, long charactersDelivered, AttemptFailure? failure, string auditEventId)
        : base($"The stream from deployment '{deploymentId}' ended early ({reason.Code}) after {updatesDelivered} update(s) and {charactersDelivered} character(s) were delivered; it was not failed over, because part of the answer had already been delivered.",
            reason, auditEventId)
    {
        DeploymentId = deploymentId;
        UpdatesDelivered = updatesDelivered;
        CharactersDelivered = charactersDelivered;
        Failure = failure;
    }

    /// <summary>The deployment that was streaming.</summary>
    public string DeploymentId { get; }

    /// <summary>How many updates reached the caller before the stream ended.</summary>
    public int UpdatesDelivered { get; }

    /// <summary>How many characters of text reached the caller before the stream ended.</summary>
    public long CharactersDelivered { get; }

    /// <summary>The failure, when the client reported one: exception type, kind and status, never its message.</summary>
    public AttemptFailure? Failure { get; }

    /// <summary>The reason code when the gap between two updates exceeded the idle timeout.</summary>
    public static RejectionReason IdleTimeout { get; } = new("stream-idle-timeout");

    /// <summary>The reason code when the total deadline passed mid-stream.</summary>
    public static RejectionReason DeadlineExceeded { get; } = new("stream-deadline-exceeded");

    /// <summary>The reason code when the client failed mid-stream.</summary>
    public static RejectionReason ProviderFailed { get; } = new("stream-provider-failed");
}
