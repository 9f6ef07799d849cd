using System.Diagnostics;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Telemetry;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Routing;

public sealed partial class ProviderRouter
{
    /// <summary>
    /// What a served request's record says about training when consent allowed it: the sample is offered only after the
    /// record is stored, and only if consent still holds then (the gate reads it again); the final decision is logged and
    /// counted with the record's event id.
    /// </summary>
    internal const string TrainingOfferAfterRecord = "offer-after-record";

    /// <summary>
    /// Reads the workspace's consent for the record of a served request, bounded by the training offer timeout and never
    /// by the caller's token (the request has already succeeded). A ledger that fails or does not answer in time leaves
    /// the consent unknown, and unknown means no offer.
    /// </summary>
    private async ValueTask ReadConsentForRecordAsync(Run run)
    {
        if (_training is null || run.Profile is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_options.TrainingOfferTimeout, _time);
        try
        {
            run.Consent = await _training.CurrentConsentAsync(run.Profile, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            run.Consent = null;
        }
    }

    private string TrainingDecisionFor(Run run, AuditOutcome outcome) =>
        outcome != AuditOutcome.Succeeded ? "not-applicable"
        : _training is null ? "no-training-gate"
        : run.Consent is null ? "withheld-consent-unavailable"
        : run.Consent.AllowsTraining ? TrainingOfferAfterRecord
        : "withheld-no-consent";

    private AuditRecord BuildRecord(Run run, AuditOutcome outcome, string? outcomeReason, ProviderDeployment? served, string inputDigest, string? outputDigest, Microsoft.Extensions.AI.UsageDetails? usage)
    {
        var request = run.Request;
        var profile = run.Profile;
        var plan = run.Plan;
        var now = _time.GetUtcNow();
        return new AuditRecord
        {
            EventId = run.EventId,
            Timestamp = now,
            CorrelationId = request.CorrelationId,
            WorkspaceId = request.WorkspaceId,
            Product = request.Product.ToString(),
            Purpose = request.Purpose.ToString(),
            Capability = request.Capability.ToString(),
            PolicyFingerprint = plan?.PolicyFingerprint ?? string.Empty,
            Required = RequiredPromises(profile),
            Actual = served is null ? null : new AuditPromises
            {
                Region = string.Join("+", served.ProcessingRegions),
                UsPinned = served.ProcessingRegions.All(r => r == Region.US),
                ZeroDataRetention = served.AttestationInForce(AttestationKind.ZeroDataRetention, now)?.Reference,
                NoTraining = served.AttestationInForce(AttestationKind.NoTraining, now)?.Reference,
                BusinessAssociateAgreement = served.AttestationInForce(AttestationKind.BusinessAssociateAgreement, now)?.Reference,
            },
            Rejections = plan?.RejectionsByReason ?? new Dictionary<string, IReadOnlyList<string>>(),
            Attempts = run.Attempts.Select(a => new AuditAttempt
            {
                DeploymentId = a.DeploymentId,
                Provider = a.Provider.ToString(),
                Regions = a.Regions,
                Outcome = a.Outcome.ToString(),
                Failure = a.Failure?.ToString() ?? a.ExceptionType,
                StartedAt = a.StartedAt,
                DurationMicroseconds = (long)a.Duration.TotalMicroseconds,
                ServedRegion = a.ServedRegion,
                ServedJurisdiction = a.ServedJurisdiction,
            }).ToArray(),
            Consent = outcome == AuditOutcome.Succeeded ? run.Consent?.ToString() : null,
            TrainingDecision = TrainingDecisionFor(run, outcome),
            Outcome = outcome,
            OutcomeReason = outcomeReason,
            ServedBy = served?.Id,
            ServedByClient = served is null ? null : run.ServedClient?.Name,
            Simulated = served is not null && run.ServedClient is { Simulated: true } ? true : null,
            InputTokens = usage?.InputTokenCount,
            OutputTokens = usage?.OutputTokenCount,
            InputDigest = inputDigest,
            OutputDigest = outputDigest,
            Redaction = run.Redaction,
        };
    }

    /// <summary>The outcome reason of a request stopped because its write-ahead intent was not stored.</summary>
    internal const string IntentNotStored = "intent-not-stored";

    /// <summary>
    /// Stores the request's write-ahead intent before its Input leaves the process for the plan's candidate
    /// <paramref name="index"/>: the deployment, its provider and regions, under the plan's policy fingerprint, and no
    /// content. Its failure stops the request before that call when the audit fails closed.
    /// </summary>
    /// <remarks>
    /// The intent names the one deployment about to be called, not the whole plan: the record stays small whatever the
    /// catalogue's size (a plan can hold dozens of candidates), the happy path pays one small write, and the evidence says
    /// exactly where the Input went. A failover to another deployment (rare, and already slowed by the failure before it)
    /// pays one more intent before that call.
    /// </remarks>
    private async ValueTask WriteIntentAsync(Run run, int index)
    {
        run.IntentFor = index;
        if (_audit.IsDiscarding)
        {
            return;
        }

        var lane = _lanes[run.Plan!.Candidates[index].Id];
        AuditDestination[] destinations = [new AuditDestination { DeploymentId = lane.Deployment.Id, Provider = lane.Deployment.Provider.ToString(), Regions = lane.Regions }];
        var request = run.Request;
        var intent = new AuditRecord
        {
            EventId = run.EventId,
            Timestamp = _time.GetUtcNow(),
            CorrelationId = request.CorrelationId,
            WorkspaceId = request.WorkspaceId,
            Product = request.Product.ToString(),
            Purpose = request.Purpose.ToString(),
            Capability = request.Capability.ToString(),
            PolicyFingerprint = run.Plan.PolicyFingerprint,
            Required = RequiredPromises(run.Profile),
            Outcome = AuditOutcome.Intent,
            Destinations = destinations,
        };
        try
        {
            await _audit.AppendAsync(intent).ConfigureAwait(false);
        }
        catch (AuditWriteException ex)
        {
            Log.AuditFailed(_logger, ex.SinkErrorType ?? ex.Failure.ToString(), _options.AuditFailureMode == AuditFailureMode.FailClosed);
            if (_options.AuditFailureMode == AuditFailureMode.FailClosed)
            {
                throw new AuditWriteException(
                    $"The audit trail failed to store the write-ahead intent of this request ({ex.Failure}); its Input was not sent.",
                    ex.Failure, ex.MayHaveBeenStored, ex.SinkErrorType, ex.SinkErrorCode);
            }
        }
    }

    private static AuditPromises RequiredPromises(WorkspaceComplianceProfile? profile) => new()
    {
        Region = profile?.HostingRegion.Code ?? "unknown",
        UsPinned = profile?.PinnedToUsProcessing ?? false,
        ZeroDataRetention = "required",
        NoTraining = "required",
        BusinessAssociateAgreement = profile is null ? "unknown" : profile.HandlesHealthData ? "required" : "not-required",
    };

    private void Record(Activity? activity, long started, AuditOutcome outcome, string? reason, string product, string capability, ProviderDeployment? served)
    {
        var outcomeText = outcome.ToString();
        AiComplianceTelemetry.Requests.Add(1,
            new KeyValuePair<string, object?>("aicompliance.outcome", outcomeText),
            new KeyValuePair<string, object?>("aicompliance.product", product),
            new KeyValuePair<string, object?>("aicompliance.capability", capability));
        if (outcome is AuditOutcome.RequestRefused or AuditOutcome.NoCompliantRoute or AuditOutcome.ProviderRefused)
        {
            AiComplianceTelemetry.Refusals.Add(1,
                new KeyValuePair<string, object?>("aicompliance.reason", reason),
                new KeyValuePair<string, object?>("aicompliance.product", product));
        }

        AiComplianceTelemetry.Duration.Record(_time.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("aicompliance.outcome", outcomeText),
            new KeyValuePair<string, object?>("aicompliance.product", product));

        if (activity is not null)
        {
            activity.SetTag("aicompliance.outcome", outcomeText);
            if (reason is not null)
            {
                activity.SetTag("aicompliance.reason", reason);
            }

            if (served is not null)
            {
                activity.SetTag("aicompliance.deployment", served.Id);
                activity.SetTag("aicompliance.provider", served.Provider.ToString());
            }

            activity.SetStatus(outcome == AuditOutcome.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error, reason);
        }
    }

    /// <summary>The state of one SendAsync, handed to each attempt without a closure.</summary>
    private sealed class Run(ProviderRouter router, AiRequest request, CancellationToken callerToken, long startedTimestamp)
    {
        private readonly List<RouteAttempt> _attempts = [];

        public ProviderRouter Router { get; } = router;

        public AiRequest Request { get; } = request;

        /// <summary>The Input every attempt sends: the request's, or its redacted copy (made once, before the first attempt).</summary>
        public AiPayload Payload { get; set; } = request.Payload;

        /// <summary>This request's egress redaction (and its in-memory mapping), when its policy is not Off.</summary>
        public Privacy.EgressRedactor? Redactor { get; set; }

        /// <summary>What the record says about redaction: the policy and counts per kind, never the items.</summary>
        public AuditRedaction? Redaction { get; set; }

        public CancellationToken CallerToken { get; } = callerToken;

        public long DeadlineAt { get; set; }

        /// <summary>The index of the plan candidate the last stored write-ahead intent names; -1 before the first.</summary>
        public int IntentFor { get; set; } = -1;

        /// <summary>The wall-clock instant the request started; later instants are derived from the monotonic clock.</summary>
        public DateTimeOffset StartedUtc { get; } = router._time.GetUtcNow();

        /// <summary>The wall-clock instant of a monotonic timestamp taken during this request.</summary>
        public DateTimeOffset UtcAt(long timestamp) =>
            StartedUtc + new TimeSpan((long)((timestamp - startedTimestamp) * Router._ticksPerTimestamp));

        public string EventId { get; } = EventIds.Next();

        public WorkspaceComplianceProfile? Profile { get; set; }

        /// <summary>The workspace's consent read for the record of a served request (null: not read, or unknown).</summary>
        public EffectiveConsent? Consent { get; set; }

        public RoutingPlan? Plan { get; set; }

        public Lane? Lane { get; set; }

        public ProviderDeployment? Served { get; set; }

        /// <summary>The client that served, once an attempt succeeded.</summary>
        public DeploymentClients.Served? ServedClient { get; set; }

        /// <summary>Whether the current attempt's timeout is the time left before the total deadline, not the attempt timeout.</summary>
        public bool AttemptCutByDeadline { get; set; }

        public int AttemptCount
        {
            get
            {
                lock (_attempts)
                {
                    return _attempts.Count;
                }
            }
        }

        public IReadOnlyList<RouteAttempt> Attempts
        {
            get
            {
                lock (_attempts)
                {
                    return _attempts.ToArray();
                }
            }
        }

        public void Add(Lane lane, AttemptOutcome outcome, ProviderFailureKind? failure, DateTimeOffset startedAt, TimeSpan duration, string? exceptionType = null, int? statusCode = null,
            ServedRegionReport.ServedRegion? served = null)
        {
            lock (_attempts)
            {
                _attempts.Add(new RouteAttempt(lane.Deployment.Id, lane.Deployment.Provider, lane.Regions, outcome, failure, startedAt, duration)
                {
                    ExceptionType = exceptionType,
                    StatusCode = statusCode,
                    ServedRegion = served?.Name,
                    ServedJurisdiction = served is { } s ? s.Jurisdiction?.Code ?? "unmapped" : null,
                });
            }

            AiComplianceTelemetry.Attempts.Add(1,
                new KeyValuePair<string, object?>("aicompliance.deployment", lane.Deployment.Id),
                new KeyValuePair<string, object?>("aicompliance.provider", lane.Deployment.Provider.ToString()),
                new KeyValuePair<string, object?>("aicompliance.region", lane.Regions),
                new KeyValuePair<string, object?>("aicompliance.outcome", outcome.ToString()));
            if (outcome is AttemptOutcome.TransientFailure or AttemptOutcome.PermanentFailure or AttemptOutcome.Refused or AttemptOutcome.ServedOutsideRegions)
            {
                Log.AttemptFailed(Router._logger, lane.Deployment.Id, outcome, failure?.ToString() ?? exceptionType ?? "none");
            }
        }

        public void Skip(Lane lane, AttemptOutcome outcome, string why)
        {
            Add(lane, outcome, null, Router._time.GetUtcNow(), TimeSpan.Zero);
            Log.Skipped(Router._logger, lane.Deployment.Id, why);
        }
    }

    /// <summary>
    /// Audit event ids: a random 64-bit per-process prefix and a counter. Unique across processes and restarts without
    /// paying for a cryptographic GUID (about 1.5 us) on every request.
    /// </summary>
    private static class EventIds
    {
        private static readonly string Prefix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        private static long _counter;

        public static string Next() => string.Create(28, Interlocked.Increment(ref _counter), static (span, n) =>
        {
            Prefix.AsSpan().CopyTo(span);
            ((ulong)n).TryFormat(span[16..], out _, "x12", System.Globalization.CultureInfo.InvariantCulture);
        });
    }
}
