using System.Globalization;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.AspNetCore;

/// <summary>
/// Turns the router's refusals and failures into RFC 9457 problem details: a documented status, a stable
/// <c>type</c> URI per reason code (<see cref="AiComplianceProblemTypes"/>), the reason codes (<c>reasonCodes</c>)
/// and the audit event id (<c>auditEventId</c>) as extensions. It writes fixed titles only, never an exception's
/// message or any request content. Exceptions that are not the package's are left to the next handler.
/// </summary>
/// <remarks>
/// Statuses: unknown workspace 404; input too large 413; any other request refusal 403; no compliant route 422;
/// provider refusal 422; total deadline 504; permanent upstream error 502; every candidate failed 503 with
/// <c>Retry-After</c>; a stream cut by a timeout 504 or by a provider failure 502 (only when the response has not
/// started); the audit trail failed 503.
/// </remarks>
public sealed class AiComplianceExceptionHandler : IExceptionHandler
{
    private readonly IProblemDetailsService? _problemDetails;
    private readonly IDeploymentStateReader? _deployments;
    private readonly AiComplianceProblemDetailsOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the handler.</summary>
    /// <param name="options">The handler's options.</param>
    /// <param name="problemDetails">The host's problem-details writer, when registered (so its customisations apply).</param>
    /// <param name="deployments">The router's deployment state, used for <c>Retry-After</c>.</param>
    /// <param name="timeProvider">The clock.</param>
    public AiComplianceExceptionHandler(
        IOptions<AiComplianceProblemDetailsOptions> options,
        IProblemDetailsService? problemDetails = null,
        IDeploymentStateReader? deployments = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _problemDetails = problemDetails;
        _deployments = deployments;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        if (httpContext.Response.HasStarted || Map(exception) is not { } mapped)
        {
            return false;
        }

        var problem = new ProblemDetails
        {
            Type = AiComplianceProblemTypes.For(mapped.TypeCode).ToString(),
            Title = mapped.Title,
            Status = mapped.Status,
            Instance = null,
        };
        problem.Extensions["reasonCodes"] = mapped.ReasonCodes;
        if (mapped.AuditEventId is { } eventId)
        {
            problem.Extensions["auditEventId"] = eventId;
        }

        if (mapped.AuditFailure is { } auditFailure)
        {
            problem.Extensions["auditFailure"] = auditFailure.ToString();
        }

        httpContext.Response.StatusCode = mapped.Status;
        if (mapped.Status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds().ToString(CultureInfo.InvariantCulture);
        }

        if (_problemDetails is not null
            && await _problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = null }).ConfigureAwait(false))
        {
            return true;
        }

        await httpContext.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The status, type code, title and extensions for an exception of the package; null for any other.</summary>
    internal static MappedProblem? Map(Exception exception) => exception switch
    {
        RequestRefusedException refused => MapRefusal(refused),
        NoCompliantRouteException none => new(StatusCodes.Status422UnprocessableEntity, RejectionReasonCodes.NoCompliantRoute,
            "No compliant route: no deployment keeps every promise for this workspace and request; nothing was sent.",
            [RejectionReasonCodes.NoCompliantRoute, .. none.Rejections.SelectMany(r => r.Violations).Select(v => v.Reason.Code).Distinct(StringComparer.Ordinal)],
            none.AuditEventId),
        ProviderRefusalException refusal => new(StatusCodes.Status422UnprocessableEntity, RejectionReasonCodes.ProviderRefusal,
            "The provider refused the request under its content policy; it was not sent elsewhere.",
            [refusal.Reason.Code], refusal.AuditEventId),
        AllCandidatesFailedException failed => failed.Reason.Code switch
        {
            RejectionReasonCodes.DeadlineExceeded => new(StatusCodes.Status504GatewayTimeout, failed.Reason.Code,
                "The total deadline passed before a compliant deployment answered.", [failed.Reason.Code], failed.AuditEventId),
            RejectionReasonCodes.PermanentProviderError => new(StatusCodes.Status502BadGateway, failed.Reason.Code,
                "A compliant deployment answered with a permanent error; the request was not retried.", [failed.Reason.Code], failed.AuditEventId),
            _ => new(StatusCodes.Status503ServiceUnavailable, failed.Reason.Code,
                "Every compliant deployment failed or is unavailable; try again later.", [failed.Reason.Code], failed.AuditEventId),
        },
        StreamInterruptedException stream => stream.Reason.Code switch
        {
            RejectionReasonCodes.StreamProviderFailed => new(StatusCodes.Status502BadGateway, stream.Reason.Code,
                "The provider failed while streaming the answer.", [stream.Reason.Code], stream.AuditEventId),
            _ => new(StatusCodes.Status504GatewayTimeout, stream.Reason.Code,
                "The streamed answer timed out before it was complete.", [stream.Reason.Code], stream.AuditEventId),
        },
        AuditWriteException audit => new(StatusCodes.Status503ServiceUnavailable, AiComplianceProblemTypes.AuditWriteFailedCode,
            "The audit trail could not record the request, so it was not served.",
            audit.InnerException is AiRoutingException inner ? [AiComplianceProblemTypes.AuditWriteFailedCode, inner.Reason.Code] : [AiComplianceProblemTypes.AuditWriteFailedCode],
            null, audit.Failure),
        _ => null,
    };

    private static MappedProblem MapRefusal(RequestRefusedException refused)
    {
        var codes = refused.Violations.Select(v => v.Reason.Code).Distinct(StringComparer.Ordinal).ToArray();
        if (codes.Contains(RejectionReasonCodes.WorkspaceUnknown, StringComparer.Ordinal))
        {
            return new(StatusCodes.Status404NotFound, RejectionReasonCodes.WorkspaceUnknown, "The workspace is not known.", codes, refused.AuditEventId);
        }

        if (codes.All(c => c == RejectionReasonCodes.InputTooLarge))
        {
            return new(StatusCodes.Status413PayloadTooLarge, RejectionReasonCodes.InputTooLarge, "The input is larger than the configured limit.", codes, refused.AuditEventId);
        }

        var primary = codes.First(c => c != RejectionReasonCodes.InputTooLarge);
        return new(StatusCodes.Status403Forbidden, primary, "The request was refused by the workspace's compliance rules; nothing was sent.", codes, refused.AuditEventId);
    }

    private long RetryAfterSeconds()
    {
        var now = _time.GetUtcNow();
        var earliest = _deployments?.GetDeploymentStates()
            .Where(s => s.BreakEndsAt is { } end && end > now)
            .Select(s => s.BreakEndsAt!.Value)
            .DefaultIfEmpty()
            .Min();
        var wait = earliest is { } e && e > now ? e - now : _options.DefaultRetryAfter;
        return Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
    }

    internal sealed record MappedProblem(int Status, string TypeCode, string Title, IReadOnlyList<string> ReasonCodes, string? AuditEventId, AuditWriteFailure? AuditFailure = null);
}
