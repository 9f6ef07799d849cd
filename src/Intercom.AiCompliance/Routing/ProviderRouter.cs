using System.Diagnostics;
using System.Security.Cryptography;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Telemetry;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// The router: plans each request against the catalogue and the workspace's promises, then walks the plan's candidates
/// in order inside each deployment's own Polly pipeline (attempt timeout, retry honouring Retry-After, circuit breaker),
/// re-checking every rule before every attempt, and writes exactly one audit record per request.
/// </summary>
public sealed partial class ProviderRouter : IProviderRouter
{
    private readonly RoutingPlanner _planner;
    private readonly IWorkspaceProfileStore _profiles;
    private readonly AuditTrail _audit;
    private readonly ProviderRouterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TrainingGate? _training;
    private readonly Dictionary<string, Lane> _lanes;
    private readonly byte[] _digestKey;
    private readonly double _ticksPerTimestamp;
    private readonly System.Collections.Concurrent.ConcurrentQueue<IncrementalHash> _hmacPool = new();
    private static readonly int HmacPoolSize = Environment.ProcessorCount * 4;

    /// <summary>
    /// Creates a router. Every deployment in the catalogue must have exactly one client for each capability it declares
    /// (see <see cref="DeploymentClientRegistry"/>); the clients are built here.
    /// </summary>
    /// <param name="planner">The planner over the catalogue and the rules.</param>
    /// <param name="clients">Which M.E.AI client serves each deployment.</param>
    /// <param name="profiles">The workspaces' compliance profiles.</param>
    /// <param name="audit">The audit trail.</param>
    /// <param name="options">Timeouts, retries, breakers and limits.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">The logger (never given content).</param>
    /// <param name="trainingGate">The training gate, when the host has a training sink.</param>
    /// <param name="services">The host's services, handed to client factories.</param>
    /// <param name="failureClassifier">What clients' exceptions mean; default <see cref="ProviderFailureClassifier.Default"/>.</param>
    /// <param name="quarantine">The quarantine to honour and report served-region incidents to; default one in memory, audited to <paramref name="audit"/>.</param>
    /// <param name="redactionDetector">The detector egress redaction uses for workspaces whose policy is not Off; default <see cref="Privacy.PersonalDataDetector.Default"/>.</param>
    /// <exception cref="InvalidOperationException">A deployment has no client, or two, for a capability it declares, or a simulated one without the opt-in; the message names it.</exception>
    public ProviderRouter(
        RoutingPlanner planner,
        DeploymentClientRegistry clients,
        IWorkspaceProfileStore profiles,
        AuditTrail audit,
        ProviderRouterOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<ProviderRouter>? logger = null,
        TrainingGate? trainingGate = null,
        IServiceProvider? services = null,
        IProviderFailureClassifier? failureClassifier = null,
        Quarantine.DeploymentQuarantine? quarantine = null,
        Privacy.PersonalDataDetector? redactionDetector = null)
    {
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(audit);
        _planner = planner;
        _profiles = profiles;
        _audit = audit;
        _options = options ?? new ProviderRouterOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _ticksPerTimestamp = (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency;
        _training = trainingGate;
        _redactionDetector = redactionDetector ?? Privacy.PersonalDataDetector.Default;
        _classifier = failureClassifier ?? ProviderFailureClassifier.Default;
        _quarantine = quarantine ?? new Quarantine.DeploymentQuarantine(new Quarantine.InMemoryQuarantineStore(), audit, _time, Timeout.InfiniteTimeSpan, logger);
        _digestKey = _options.AuditDigestKey is { Length: > 0 } key ? DecodeKey(key) : RandomNumberGenerator.GetBytes(32);

        var resolved = clients.Resolve(planner.Catalog, services ?? NoServices.Instance);
        var registry = new ResiliencePipelineRegistry<string>();
        _lanes = new Dictionary<string, Lane>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in planner.Catalog.Deployments)
        {
            var state = new CircuitBreakerStateProvider();
            var clock = new BreakClock();
            registry.TryAddBuilder(d.Id, (builder, _) => ConfigurePipeline(builder, state, clock));
            _lanes[d.Id] = new Lane(d, resolved[d.Id], registry.GetPipeline(d.Id), state, clock, string.Join("+", d.ProcessingRegions));
        }
    }

    private readonly IProviderFailureClassifier _classifier;

    private sealed class NoServices : IServiceProvider
    {
        public static readonly NoServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }

    /// <summary>The planner this router uses.</summary>
    public RoutingPlanner Planner => _planner;

    /// <inheritdoc/>
    public RoutingPlan Plan(AiRequest request, WorkspaceComplianceProfile profile) =>
        WithoutQuarantined(_planner.Plan(request, profile, _time.GetUtcNow()));

    /// <inheritdoc/>
    public async ValueTask<RoutingPlan> PlanAsync(AiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var profile = await _profiles.FindAsync(request.WorkspaceId, cancellationToken).ConfigureAwait(false);
        return profile is null
            ? RoutingPlan.Refused(request.Capability, UnknownWorkspace, _time.GetUtcNow())
            : Plan(request, profile);
    }

    private static readonly RuleViolation UnknownWorkspace =
        new(RejectionReason.WorkspaceUnknown, "workspace", "the workspace has no compliance profile in the store");

    /// <summary>The span of one routed request (SendAsync or a stream), with its low-cardinality tags.</summary>
    private static System.Diagnostics.Activity? StartRouteActivity(string product, string capability)
    {
        var activity = AiComplianceTelemetry.ActivitySource.StartActivity("aicompliance.route");
        activity?.SetTag("aicompliance.product", product);
        activity?.SetTag("aicompliance.capability", capability);
        return activity;
    }

    /// <summary>The keyed digest of everything the request would send, or empty when nothing is audited (benchmarks only).</summary>
    private string InputDigestOf(AiRequest request) => _audit.IsDiscarding ? string.Empty : Digest(request.Payload.AppendTo);

    /// <inheritdoc/>
    public async Task<AiResponse> SendAsync(AiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Payload, "request.Payload");
        var started = _time.GetTimestamp();
        var product = request.Product.ToString();
        var capability = request.Capability.ToString();
        using var activity = StartRouteActivity(product, capability);

        var run = new Run(this, request, cancellationToken, started);
        var auditing = !_audit.IsDiscarding;
        var inputDigest = InputDigestOf(request);
        AuditOutcome outcome = AuditOutcome.AllCandidatesFailed;
        string? outcomeReason = null;
        AiOutput? output = null;
        Exception? failure = null;

        try
        {
            await PrepareAsync(run).ConfigureAwait(false);
            await RedactAsync(run).ConfigureAwait(false);

            // Once an attempt has succeeded the request has succeeded: nothing after this line awaits the caller's
            // token, so a caller that cancels now still gets (and the record still names) the deployment that served.
            output = await ExecuteAsync(run, InvokeClient).ConfigureAwait(false);
            if (run.Redactor is { Restores: true } redactor)
            {
                output = redactor.Restore(output);
            }

            outcome = AuditOutcome.Succeeded;
        }
        catch (AiRoutingException ex)
        {
            failure = ex;
            outcomeReason = ex.Reason.Code;
            outcome = ex switch
            {
                RequestRefusedException => AuditOutcome.RequestRefused,
                NoCompliantRouteException => AuditOutcome.NoCompliantRoute,
                ProviderRefusalException => AuditOutcome.ProviderRefused,
                _ => AuditOutcome.AllCandidatesFailed,
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A fresh exception: the one caught may have come from a client, and its message from anywhere.
            failure = new OperationCanceledException("The caller cancelled the request.", cancellationToken);
            outcome = AuditOutcome.Cancelled;
            outcomeReason = "cancelled";
        }
        catch (AuditWriteException ex)
        {
            // The write-ahead intent was not stored (fail closed): nothing was sent.
            failure = ex;
            outcome = AuditOutcome.Error;
            outcomeReason = IntentNotStored;
        }
#pragma warning disable CA1031 // Whatever failed (a profile store, a host rule), the request is still audited, then the error is rethrown.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
            outcome = AuditOutcome.Error;
            outcomeReason = "unexpected-" + ex.GetType().Name;
        }

        var served = outcome == AuditOutcome.Succeeded ? run.Served : null;
        if (outcome == AuditOutcome.Succeeded)
        {
            await ReadConsentForRecordAsync(run).ConfigureAwait(false);
        }

        AuditWriteException? auditError = null;
        if (auditing)
        {
            var record = BuildRecord(run, outcome, outcomeReason, served, inputDigest,
                outcome == AuditOutcome.Succeeded ? Digest(output!.AppendTo) : null, output?.Usage);
            try
            {
                await _audit.AppendAsync(record).ConfigureAwait(false);
            }
            catch (AuditWriteException ex)
            {
                auditError = ex;
                Log.AuditFailed(_logger, ex.SinkErrorType ?? ex.Failure.ToString(), _options.AuditFailureMode == AuditFailureMode.FailClosed);
            }
        }

        Record(activity, started, outcome, outcomeReason, product, capability, served);

        // Training is offered only for a request whose record is stored, after it is stored, off the caller's path.
        if (outcome == AuditOutcome.Succeeded && auditError is null && run.Consent is { AllowsTraining: true })
        {
            OfferForTraining(request, run.Profile!, output!, run.EventId);
        }

        if (failure is not null)
        {
            if (outcome is AuditOutcome.RequestRefused or AuditOutcome.NoCompliantRoute)
            {
                Log.Refused(_logger, product, capability, outcomeReason ?? "");
            }
            else if (outcome != AuditOutcome.Cancelled)
            {
                Log.AllFailed(_logger, product, capability, outcomeReason ?? "");
            }

            // Fail closed: a refusal or failure whose record was not stored reaches the caller as the audit failure,
            // with the refusal or failure attached. A cancelled request ends as the caller asked.
            if (auditError is not null && _options.AuditFailureMode == AuditFailureMode.FailClosed && outcome != AuditOutcome.Cancelled && failure is not AuditWriteException)
            {
                var message = $"The audit trail failed to store the record of this request ({outcome}: {outcomeReason}).";
                throw failure is AiRoutingException
                    ? auditError.WithRequestFailure(message + $" The {failure.GetType().Name} the request ended with is the inner exception.", failure)
                    : new AuditWriteException(message + $" The request ended with an unexpected {failure.GetType().Name}.", auditError.Failure, auditError.MayHaveBeenStored, auditError.SinkErrorType, auditError.SinkErrorCode);
            }

            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        if (auditError is not null && _options.AuditFailureMode == AuditFailureMode.FailClosed)
        {
            throw auditError;
        }

        Log.Routed(_logger, product, capability, served!.Id, run.AttemptCount);
        return new AiResponse
        {
            Output = output!,
            ServedBy = served,
            ServedByClient = run.ServedClient!.Name,
            Simulated = run.ServedClient.Simulated,
            Attempts = run.Attempts,
            PolicyFingerprint = run.Plan!.PolicyFingerprint,
            AuditEventId = run.EventId,
        };
    }

    // The total deadline needs no timer of its own: each attempt's timeout is capped at the time left, retries
    // that could not finish in time are not started, and the walk stops once no time is left.
    /// <summary>Looks up the profile and plans; throws the refusal when the request or every deployment is refused.</summary>
    private async ValueTask PrepareAsync(Run run)
    {
        var profile = await _profiles.FindAsync(run.Request.WorkspaceId, run.CallerToken).ConfigureAwait(false);
        run.Profile = profile;
        if (profile is null)
        {
            throw new RequestRefusedException([UnknownWorkspace], run.EventId);
        }

        var plan = WithoutQuarantined(_planner.Plan(run.Request, profile, run.StartedUtc));
        run.Plan = plan;
        if (plan.RequestViolations.Count > 0)
        {
            throw new RequestRefusedException(plan.RequestViolations, run.EventId);
        }

        if (plan.Candidates.Count == 0)
        {
            throw new NoCompliantRouteException(plan, run.EventId);
        }
    }

    private static (AuditOutcome Outcome, string Reason, Exception Failure) Describe(Exception ex, CancellationToken callerToken) => ex switch
    {
        RequestRefusedException r => (AuditOutcome.RequestRefused, r.Reason.Code, ex),
        NoCompliantRouteException r => (AuditOutcome.NoCompliantRoute, r.Reason.Code, ex),
        ProviderRefusalException r => (AuditOutcome.ProviderRefused, r.Reason.Code, ex),
        AiRoutingException r => (AuditOutcome.AllCandidatesFailed, r.Reason.Code, ex),
        // A fresh exception: the one caught may have come from a client, and its message from anywhere.
        OperationCanceledException when callerToken.IsCancellationRequested =>
            (AuditOutcome.Cancelled, "cancelled", new OperationCanceledException("The caller cancelled the request.", callerToken)),
        AuditWriteException => (AuditOutcome.Error, IntentNotStored, ex),
        _ => (AuditOutcome.Error, "unexpected-" + ex.GetType().Name, ex),
    };

    private static readonly Func<DeploymentClients, Run, CancellationToken, ValueTask<AiOutput>> InvokeClient =
        static (clients, run, ct) => clients.InvokeAsync(run.Payload, ct);

    private async Task<T> ExecuteAsync<T>(Run run, Func<DeploymentClients, Run, CancellationToken, ValueTask<T>> call)
    {
        var plan = run.Plan!;
        run.DeadlineAt = _time.GetTimestamp() + (long)(_options.TotalDeadline.Ticks / _ticksPerTimestamp);

        AttemptFailure? last = null;
        for (var i = 0; i < plan.Candidates.Count; i++)
        {
            if (i > 0)
            {
                AiComplianceTelemetry.Failovers.Add(1, new KeyValuePair<string, object?>("aicompliance.deployment", plan.Candidates[i - 1].Id));
            }

            if (i > 0 && Remaining(run) <= TimeSpan.Zero)
            {
                throw DeadlineExceeded(run, last);
            }

            var lane = _lanes[plan.Candidates[i].Id];
            run.Lane = lane;

            // Quarantined since the plan was made (by an incident of this or another request): no call.
            if (_quarantine.IsQuarantined(lane.Deployment.Id))
            {
                run.Skip(lane, AttemptOutcome.SkippedQuarantined, RejectionReasonCodes.DeploymentQuarantined);
                continue;
            }

            // An open circuit is passed over without a call while its break lasts. Once the break is over the call
            // goes through Polly, which half-opens the circuit and lets this request probe the deployment; a success
            // closes it again. Reading the state alone never moves it out of Open.
            if (lane.IsPassedOver(_time))
            {
                run.Skip(lane, AttemptOutcome.SkippedCircuitOpen, "circuit open");
                continue;
            }

            // Write-ahead: before the Input can leave the process for this deployment, the trail holds that it is going
            // there. One intent per deployment called: the first before the first attempt, and one more only when a
            // failover moves to another deployment (retries on the same deployment are covered by its intent).
            if (run.IntentFor != i)
            {
                await WriteIntentAsync(run, i).ConfigureAwait(false);
            }

            var context = ResilienceContextPool.Shared.Get(run.CallerToken);
            context.Properties.Set(RunKey, run);
            try
            {
                var output = await lane.Pipeline.ExecuteAsync(static (ctx, s) => s.run.Router.AttemptAsync(ctx, s.run, s.call), context, (run, call)).ConfigureAwait(false);
                run.Served = lane.Deployment;
                run.ServedClient = lane.Clients.For(run.Request.Capability);
                return output;
            }
            catch (CandidateNotCompliantException)
            {
                // Recorded by the attempt; the plan moves on to the next candidate.
            }
            catch (ServedOutsideRegionsException ex)
            {
                // A compliance incident, recorded by the attempt: quarantine the deployment, then fail over inside the plan.
                await _quarantine.ReportIncidentAsync(lane.Deployment, ex.Region.Name, ex.Region.Jurisdiction, run.EventId).ConfigureAwait(false);
                last = ex.Failure;
                if (Remaining(run) <= TimeSpan.Zero)
                {
                    throw DeadlineExceeded(run, last);
                }
            }
            catch (BrokenCircuitException)
            {
                // Opened by this request's own failures, or another request is already probing: no call was made.
                run.Skip(lane, AttemptOutcome.SkippedCircuitOpen, "circuit opened");
            }
            catch (AttemptFailedException ex) when (ex.Outcome == AttemptOutcome.Refused)
            {
                throw new ProviderRefusalException(lane.Deployment.Id, run.Attempts, run.EventId, ex.Failure);
            }
            catch (AttemptFailedException ex) when (ex.CutByDeadline)
            {
                throw DeadlineExceeded(run, ex.Failure);
            }
            catch (AttemptFailedException ex) when (ex.IsTransient)
            {
                last = ex.Failure;
                if (Remaining(run) <= TimeSpan.Zero)
                {
                    throw DeadlineExceeded(run, last);
                }
            }
            catch (AttemptFailedException ex)
            {
                // A permanent error, or an error the router could not classify: unknown means stop, never guess.
                throw new AllCandidatesFailedException(AllCandidatesFailedException.PermanentError,
                    ex.Failure.Kind is { } kind
                        ? $"Deployment '{lane.Deployment.Id}' returned a permanent error ({kind}); the request was stopped, not retried or failed over."
                        : $"Deployment '{lane.Deployment.Id}' failed with an unclassified {ex.Failure.ExceptionType}; the request was stopped.",
                    run.Attempts, run.EventId, ex.Failure);
            }
            catch (OperationCanceledException) when (run.CallerToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The caller cancelled the request.", run.CallerToken);
            }
            catch (DeadlineReachedException)
            {
                throw DeadlineExceeded(run, last);
            }
            catch (TimeoutRejectedException)
            {
                last = new AttemptFailure(lane.Deployment.Id, nameof(TimeoutRejectedException), ProviderFailureKind.Timeout, null);
                if (Remaining(run) <= TimeSpan.Zero)
                {
                    throw DeadlineExceeded(run, last);
                }
            }
            catch (Exception ex)
            {
                // Something outside the client call failed (a host rule, the pipeline): keep its type, never the object.
                throw new AllCandidatesFailedException(AllCandidatesFailedException.PermanentError,
                    $"Deployment '{lane.Deployment.Id}' failed with an unclassified {ex.GetType().Name}; the request was stopped.",
                    run.Attempts, run.EventId, new AttemptFailure(lane.Deployment.Id, ex.GetType().Name, null, null));
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        throw new AllCandidatesFailedException(AllCandidatesFailedException.CandidatesExhausted,
            $"All {plan.Candidates.Count} compliant candidate(s) failed or were unavailable; nothing was sent outside the plan.",
            run.Attempts, run.EventId, last);
    }

    private async ValueTask<T> AttemptAsync<T>(ResilienceContext context, Run run, Func<DeploymentClients, Run, CancellationToken, ValueTask<T>> call)
    {
        var lane = run.Lane!;
        var deployment = lane.Deployment;
        // One clock read serves the deadline check, the re-check's instant and the attempt's start.
        var start = _time.GetTimestamp();
        if (start >= run.DeadlineAt)
        {
            throw new DeadlineReachedException();
        }

        var startedAt = run.UtcAt(start);

        // Complete mediation: the plan was right when it was made, but a contract may have expired since.
        if (_planner.FirstViolation(deployment, run.Plan!.Policy, startedAt) is { } violation)
        {
            run.Skip(lane, AttemptOutcome.SkippedNotCompliant, violation.Reason.Code);
            throw new CandidateNotCompliantException();
        }

        if (_quarantine.IsQuarantined(deployment.Id))
        {
            run.Skip(lane, AttemptOutcome.SkippedQuarantined, RejectionReasonCodes.DeploymentQuarantined);
            throw new CandidateNotCompliantException();
        }

        using var activity = AiComplianceTelemetry.ActivitySource.StartActivity("aicompliance.attempt");
        activity?.SetTag("aicompliance.deployment", deployment.Id);
        activity?.SetTag("aicompliance.provider", deployment.Provider.ToString());
        activity?.SetTag("aicompliance.region", lane.Regions);
        if (activity is not null)
        {
            GenAiConventions.TagRequest(activity, run.Request.Capability, deployment.Provider, deployment.Model);
        }

        AttemptFailedException failed;
        // Where the provider says it processed this attempt, if its client reports it (see ServedRegionReport).
        var served = ServedRegionReport.Listen(out var previousListener);
        try
        {
            var output = await call(lane.Clients, run, context.CancellationToken).ConfigureAwait(false);
            if (served.FirstOutside(deployment.ProcessingRegions) is { } outside)
            {
                await DiscardAsync(output).ConfigureAwait(false);
                throw Incident(run, lane, outside, startedAt, start, activity);
            }

            if (activity is not null)
            {
                TagResponse(activity, output);
            }

            run.Add(lane, AttemptOutcome.Succeeded, null, startedAt, _time.GetElapsedTime(start), served: served.First);
            run.Served = deployment;
            return output;
        }
        catch (ServedOutsideRegionsException)
        {
            throw;
        }
        catch (OperationCanceledException) when (run.CallerToken.IsCancellationRequested)
        {
            run.Add(lane, AttemptOutcome.Cancelled, null, startedAt, _time.GetElapsedTime(start));
            throw new OperationCanceledException("The caller cancelled the request.", run.CallerToken);
        }
#pragma warning disable CA1031 // Every client failure is classified here and replaced by a content-free one.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failed = Classify(ex, deployment.Id, context.CancellationToken.IsCancellationRequested && run.AttemptCutByDeadline, context.CancellationToken.IsCancellationRequested);
        }
        finally
        {
            ServedRegionReport.Restore(previousListener);
        }

        // A failed call the provider says it processed outside the boundary is an incident all the same.
        if (served.FirstOutside(deployment.ProcessingRegions) is { } outsideOnFailure)
        {
            throw Incident(run, lane, outsideOnFailure, startedAt, start, activity);
        }

        var f = failed.Failure;
        run.Add(lane, failed.Outcome, f.Kind, startedAt, _time.GetElapsedTime(start), f.ExceptionType, f.StatusCode, served.First);
        activity?.SetStatus(ActivityStatusCode.Error, f.Kind?.ToString() ?? "unclassified");
        activity?.SetTag(GenAiConventions.ErrorType, GenAiConventions.Error(f.Kind));
        throw failed;
    }

    /// <summary>
    /// The GenAI response tags of a successful attempt: the model the client says answered and the token counts it
    /// reported. A stream's attempt ends at its first update, so it carries the model only if that update names it;
    /// its usage arrives with the last update, after the attempt span has ended.
    /// </summary>
    private static void TagResponse<T>(Activity activity, T output)
    {
        switch (output)
        {
            case AiOutput o:
                var usage = o.Usage;
                GenAiConventions.TagResponse(activity, o is ChatOutput chat ? chat.Response.ModelId : null, usage?.InputTokenCount, usage?.OutputTokenCount);
                break;
            case StreamStart<Microsoft.Extensions.AI.ChatResponseUpdate> { First: { } update }:
                GenAiConventions.TagResponse(activity, update.ModelId, null, null);
                break;
        }
    }

    /// <summary>
    /// Turns whatever a client threw into a content-free failure the pipeline can count. The original exception is
    /// dropped here: only its type name, kind and status code go on.
    /// </summary>
    private AttemptFailedException Classify(Exception ex, string deploymentId, bool cutByDeadline, bool timedOut)
    {
        var type = ex.GetType().Name;
        ProviderFailure classified;
        if (timedOut && ex is OperationCanceledException)
        {
            // Our own attempt timeout cancelled the call: the deployment was too slow.
            classified = new ProviderFailure(ProviderFailureKind.Timeout);
        }
        else
        {
            try
            {
                classified = _classifier.Classify(ex);
            }
#pragma warning disable CA1031 // A host classifier that fails leaves the failure unknown, which stops the request.
            catch (Exception)
#pragma warning restore CA1031
            {
                classified = new ProviderFailure(null);
            }
        }

        if (cutByDeadline && (classified.IsTransient || ex is OperationCanceledException or TimeoutException))
        {
            // The request's own total deadline ended the attempt (however the client reported it): not the
            // deployment's fault, so not counted against it.
            return new(new AttemptFailure(deploymentId, type, ProviderFailureKind.Timeout, classified.StatusCode), AttemptOutcome.Cancelled, false, null, true);
        }

        var outcome = classified.Kind switch
        {
            ProviderFailureKind.ContentPolicyRefusal => AttemptOutcome.Refused,
            _ when classified.IsTransient => AttemptOutcome.TransientFailure,
            _ => AttemptOutcome.PermanentFailure,
        };
        return new(new AttemptFailure(deploymentId, type, classified.Kind, classified.StatusCode), outcome, classified.IsTransient, classified.RetryAfter, false);
    }

    private static readonly ResiliencePropertyKey<Run> RunKey = new("aicompliance.run");
    private static readonly TimeSpan MinimumAttempt = TimeSpan.FromMilliseconds(1);

    private TimeSpan Remaining(ResilienceContext context) =>
        context.Properties.TryGetValue(RunKey, out var run) ? Remaining(run) : _options.TotalDeadline;

    private TimeSpan Remaining(Run run)
    {
        // Plain arithmetic on purpose: this runs several times per attempt (a profile showed TimeSpan.FromSeconds here).
        var left = run.DeadlineAt - _time.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : new TimeSpan((long)(left * _ticksPerTimestamp));
    }

    private AllCandidatesFailedException DeadlineExceeded(Run run, AttemptFailure? last) =>
        new(AllCandidatesFailedException.DeadlineExceeded,
            $"The total deadline of {_options.TotalDeadline} passed before any compliant deployment answered.",
            run.Attempts, run.EventId, last);

    /// <summary>
    /// Whether a failure counts against the deployment: retried, and recorded by its breaker. An attempt the request's
    /// own deadline cut short is neither (its marker is not transient), nor is a caller's cancellation.
    /// </summary>
    private static bool IsTransient(Exception ex) =>
        ex is TimeoutRejectedException || ex is AttemptFailedException { IsTransient: true };

    private void ConfigurePipeline(ResiliencePipelineBuilder builder, CircuitBreakerStateProvider state, BreakClock clock)
    {
        var retry = _options.Retry;
        var breaker = _options.CircuitBreaker;
        builder.TimeProvider = _time;
        if (retry.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = retry.UseJitter,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception switch
                {
                    // A wait that could not end before the deadline is not started: fail over instead.
                    AttemptFailedException { IsTransient: true, RetryAfter: { } after } => after <= retry.MaxRetryAfter && after < Remaining(args.Context),
                    { } ex => IsTransient(ex) && retry.MaxDelay < Remaining(args.Context),
                    _ => false,
                }),
                DelayGenerator = args => new ValueTask<TimeSpan?>(
                    args.Outcome.Exception is AttemptFailedException { RetryAfter: { } after } ? after : null),
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = breaker.FailureRatio,
            MinimumThroughput = breaker.MinimumThroughput,
            SamplingDuration = breaker.SamplingDuration,
            BreakDuration = breaker.BreakDuration,
            StateProvider = state,
            // A failure of the deployment counts. An attempt the request's own deadline cut short does not, while the
            // circuit is closed; but a half-open probe that proved nothing (cut short, or never made) must not close
            // the circuit as a success would, so it keeps the circuit open for another break.
            ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is { } ex
                && (IsTransient(ex) || (ex is AttemptFailedException { CutByDeadline: true } or DeadlineReachedException or CandidateNotCompliantException
                    && state.CircuitState == CircuitState.HalfOpen))),
            OnOpened = args =>
            {
                clock.Opened(_time.GetTimestamp() + (long)(args.BreakDuration.Ticks / _ticksPerTimestamp), args.IsManual);
                return default;
            },
            OnClosed = _ =>
            {
                clock.Closed();
                return default;
            },
        });
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args =>
            {
                if (!args.Context.Properties.TryGetValue(RunKey, out var run))
                {
                    return new ValueTask<TimeSpan>(_options.AttemptTimeout);
                }

                // When the deadline, not the attempt timeout, bounds this attempt, its timing out is the request's
                // doing and is not held against the deployment.
                var left = Remaining(run);
                var capped = left < _options.AttemptTimeout;
                run.AttemptCutByDeadline = capped;
                return new ValueTask<TimeSpan>(capped ? (left > MinimumAttempt ? left : MinimumAttempt) : _options.AttemptTimeout);
            },
        });
    }

    private string Digest(Action<IncrementalHash> append)
    {
        // Keyed HMAC contexts are pooled: creating one costs about twice as much as the digest itself.
        if (!_hmacPool.TryDequeue(out var hmac))
        {
            hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _digestKey);
        }

        Span<byte> digest = stackalloc byte[32];
        append(hmac);
        hmac.GetHashAndReset(digest);
        if (_hmacPool.Count < HmacPoolSize)
        {
            _hmacPool.Enqueue(hmac);
        }
        else
        {
            hmac.Dispose();
        }

        return Convert.ToHexStringLower(digest);
    }

    private static byte[] DecodeKey(string base64)
    {
        try
        {
            var key = Convert.FromBase64String(base64);
            return key.Length >= 32
                ? key
                : throw new ArgumentException("AiCompliance:Router:AuditDigestKey is shorter than 32 bytes: use 32 or more random bytes, base64-encoded.");
        }
        catch (FormatException)
        {
            throw new ArgumentException("AiCompliance:Router:AuditDigestKey is not base64: use 32 or more random bytes, base64-encoded.");
        }
    }

    /// <summary>The circuit state of one deployment's breaker (for tests and diagnostics).</summary>
    internal CircuitState CircuitStateOf(string deploymentId) => _lanes[deploymentId].Circuit.CircuitState;

    private sealed record Lane(ProviderDeployment Deployment, DeploymentClients Clients, ResiliencePipeline Pipeline, CircuitBreakerStateProvider Circuit, BreakClock Clock, string Regions)
    {
        /// <summary>
        /// Whether to pass over this deployment without a call: its circuit is isolated, or open and its break not yet
        /// over. After the break the call goes through, so Polly can half-open the circuit and probe.
        /// </summary>
        public bool IsPassedOver(TimeProvider time) => Circuit.CircuitState switch
        {
            CircuitState.Isolated => true,
            CircuitState.Open => Clock.IsBreaking(time.GetTimestamp()),
            _ => false,
        };
    }

    /// <summary>When the current break of one circuit ends, on the router's monotonic clock.</summary>
    private sealed class BreakClock
    {
        private long _until;

        public void Opened(long until, bool manual) => Volatile.Write(ref _until, manual ? long.MaxValue : until);

        public void Closed() => Volatile.Write(ref _until, 0);

        public bool IsBreaking(long now) => now < Volatile.Read(ref _until);

        public long Until => Volatile.Read(ref _until);
    }

    private sealed class CandidateNotCompliantException : Exception;

    private sealed class DeadlineReachedException : Exception;

    /// <summary>
    /// A client failure as the pipeline sees it: classified, and holding no part of the original exception. It has no
    /// inner exception and a fixed message, so Polly's BrokenCircuitException (which keeps the breaking exception)
    /// cannot carry content either.
    /// </summary>
    private sealed class AttemptFailedException(AttemptFailure failure, AttemptOutcome outcome, bool isTransient, TimeSpan? retryAfter, bool cutByDeadline)
        : Exception("A provider attempt failed; see the attempt's failure kind and status code.")
    {
        public AttemptFailure Failure { get; } = failure;

        public AttemptOutcome Outcome { get; } = outcome;

        public bool IsTransient { get; } = isTransient;

        public TimeSpan? RetryAfter { get; } = retryAfter;

        public bool CutByDeadline { get; } = cutByDeadline;
    }
}
