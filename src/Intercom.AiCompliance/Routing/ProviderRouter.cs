using System.Diagnostics;
using System.Net.Http;
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

    /// <summary>Creates a router. Every provider kind in the catalogue must have an adapter.</summary>
    /// <exception cref="InvalidOperationException">A provider in the catalogue has no adapter; the message names it.</exception>
    public ProviderRouter(
        RoutingPlanner planner,
        IEnumerable<IProviderAdapter> adapters,
        IWorkspaceProfileStore profiles,
        AuditTrail audit,
        ProviderRouterOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<ProviderRouter>? logger = null,
        TrainingGate? trainingGate = null)
    {
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(adapters);
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
        _digestKey = _options.AuditDigestKey is { Length: > 0 } key ? DecodeKey(key) : RandomNumberGenerator.GetBytes(32);

        var byKind = new Dictionary<ProviderKind, IProviderAdapter>();
        foreach (var a in adapters)
        {
            byKind.TryAdd(a.Provider, a);
        }

        var registry = new ResiliencePipelineRegistry<string>();
        _lanes = new Dictionary<string, Lane>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in planner.Catalog.Deployments)
        {
            if (!byKind.TryGetValue(d.Provider, out var adapter))
            {
                throw new InvalidOperationException(
                    $"Deployment '{d.Id}' uses provider {d.Provider}, but no adapter for {d.Provider} is registered: add one (builder.AddAdapter) or remove the deployment.");
            }

            var state = new CircuitBreakerStateProvider();
            registry.TryAddBuilder(d.Id, (builder, _) => ConfigurePipeline(builder, state));
            _lanes[d.Id] = new Lane(d, adapter, registry.GetPipeline(d.Id), state, string.Join("+", d.ProcessingRegions));
        }
    }

    /// <summary>The planner this router uses.</summary>
    public RoutingPlanner Planner => _planner;

    /// <inheritdoc/>
    public RoutingPlan Plan(AiRequest request, WorkspaceComplianceProfile profile) =>
        _planner.Plan(request, profile, _time.GetUtcNow());

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

    /// <inheritdoc/>
    public async Task<AiResponse> SendAsync(AiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Payload, "request.Payload");
        var started = _time.GetTimestamp();
        var product = request.Product.ToString();
        var capability = request.Capability.ToString();
        using var activity = AiComplianceTelemetry.ActivitySource.StartActivity("aicompliance.route");
        activity?.SetTag("aicompliance.product", product);
        activity?.SetTag("aicompliance.capability", capability);

        var run = new Run(this, request, cancellationToken, started);
        var auditing = !_audit.IsDiscarding;
        var inputDigest = auditing ? Digest(request.Payload.AppendTo) : string.Empty;
        AuditOutcome outcome = AuditOutcome.AllCandidatesFailed;
        string? outcomeReason = null;
        AiOutput? output = null;
        Exception? failure = null;
        TrainingDecision? training = null;

        try
        {
            var profile = await _profiles.FindAsync(request.WorkspaceId, cancellationToken).ConfigureAwait(false);
            run.Profile = profile;
            if (profile is null)
            {
                throw new RequestRefusedException([UnknownWorkspace], run.EventId);
            }

            var plan = _planner.Plan(request, profile, run.StartedUtc);
            run.Plan = plan;
            if (plan.RequestViolations.Count > 0)
            {
                throw new RequestRefusedException(plan.RequestViolations, run.EventId);
            }

            if (plan.Candidates.Count == 0)
            {
                throw new NoCompliantRouteException(plan, run.EventId);
            }

            output = await ExecuteAsync(run).ConfigureAwait(false);
            outcome = AuditOutcome.Succeeded;
            if (_training is not null)
            {
                training = await _training.OfferAsync(request, profile, output, cancellationToken).ConfigureAwait(false);
            }
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
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            failure = ex;
            outcome = AuditOutcome.Cancelled;
            outcomeReason = "cancelled";
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
        Exception? auditError = null;
        if (auditing)
        {
            var record = BuildRecord(run, outcome, outcomeReason, served, inputDigest,
                output is null ? null : Digest(output.AppendTo), training);
            try
            {
                await _audit.AppendAsync(record).ConfigureAwait(false);
            }
            catch (AuditWriteException ex)
            {
                auditError = ex;
                Log.AuditFailed(_logger, ex.InnerException?.GetType().Name ?? ex.GetType().Name, _options.AuditFailureMode == AuditFailureMode.FailClosed);
            }
        }

        Record(activity, started, outcome, outcomeReason, product, capability, served);

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
            Attempts = run.Attempts,
            PolicyFingerprint = run.Plan!.PolicyFingerprint,
            AuditEventId = run.EventId,
        };
    }

    // The total deadline needs no timer of its own: each attempt's timeout is capped at the time left, retries
    // that could not finish in time are not started, and the walk stops once no time is left.
    private async Task<AiOutput> ExecuteAsync(Run run)
    {
        var plan = run.Plan!;
        run.DeadlineAt = _time.GetTimestamp() + (long)(_options.TotalDeadline.Ticks / _ticksPerTimestamp);

        Exception? last = null;
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
            if (lane.Circuit.CircuitState is CircuitState.Open or CircuitState.Isolated)
            {
                run.Skip(lane, AttemptOutcome.SkippedCircuitOpen, "circuit open");
                continue;
            }

            var context = ResilienceContextPool.Shared.Get(run.CallerToken);
            context.Properties.Set(RunKey, run);
            try
            {
                var output = await lane.Pipeline.ExecuteAsync(static (ctx, r) => r.Router.AttemptAsync(ctx, r), context, run).ConfigureAwait(false);
                run.Served = lane.Deployment;
                return output;
            }
            catch (CandidateNotCompliantException)
            {
                // Recorded by the attempt; the plan moves on to the next candidate.
            }
            catch (BrokenCircuitException ex)
            {
                run.Skip(lane, AttemptOutcome.SkippedCircuitOpen, "circuit opened");
                last = ex;
            }
            catch (ProviderException ex) when (ex.Kind == ProviderFailureKind.ContentPolicyRefusal)
            {
                throw new ProviderRefusalException(lane.Deployment.Id, run.Attempts, run.EventId, ex);
            }
            catch (ProviderException ex) when (!ex.IsTransient)
            {
                throw new AllCandidatesFailedException(AllCandidatesFailedException.PermanentError,
                    $"Deployment '{lane.Deployment.Id}' returned a permanent error ({ex.Kind}); the request was stopped, not retried or failed over.",
                    run.Attempts, run.EventId, ex);
            }
            catch (OperationCanceledException) when (run.CallerToken.IsCancellationRequested)
            {
                throw;
            }
            catch (DeadlineReachedException ex)
            {
                throw DeadlineExceeded(run, ex);
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                last = ex;
                if (Remaining(run) <= TimeSpan.Zero)
                {
                    throw DeadlineExceeded(run, ex);
                }
            }
            catch (Exception ex)
            {
                // An adapter failed in a way it did not classify: unknown means stop, never guess.
                throw new AllCandidatesFailedException(AllCandidatesFailedException.PermanentError,
                    $"Deployment '{lane.Deployment.Id}' failed with an unclassified {ex.GetType().Name}; the request was stopped.",
                    run.Attempts, run.EventId, ex);
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

    private async ValueTask<AiOutput> AttemptAsync(ResilienceContext context, Run run)
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

        using var activity = AiComplianceTelemetry.ActivitySource.StartActivity("aicompliance.attempt");
        activity?.SetTag("aicompliance.deployment", deployment.Id);
        activity?.SetTag("aicompliance.provider", deployment.Provider.ToString());
        activity?.SetTag("aicompliance.region", lane.Regions);
        try
        {
            var output = await lane.Adapter.InvokeAsync(deployment, run.Request.Payload, context.CancellationToken).ConfigureAwait(false);
            run.Add(lane, AttemptOutcome.Succeeded, null, startedAt, _time.GetElapsedTime(start));
            return output;
        }
        catch (ProviderException ex)
        {
            var outcome = ex.Kind switch
            {
                ProviderFailureKind.ContentPolicyRefusal => AttemptOutcome.Refused,
                _ when ex.IsTransient => AttemptOutcome.TransientFailure,
                _ => AttemptOutcome.PermanentFailure,
            };
            run.Add(lane, outcome, ex.Kind, startedAt, _time.GetElapsedTime(start));
            activity?.SetStatus(ActivityStatusCode.Error, ex.Kind.ToString());
            throw;
        }
        catch (OperationCanceledException) when (!run.CallerToken.IsCancellationRequested)
        {
            run.Add(lane, AttemptOutcome.TransientFailure, ProviderFailureKind.Timeout, startedAt, _time.GetElapsedTime(start));
            activity?.SetStatus(ActivityStatusCode.Error, nameof(ProviderFailureKind.Timeout));
            throw;
        }
        catch (OperationCanceledException)
        {
            run.Add(lane, AttemptOutcome.Cancelled, null, startedAt, _time.GetElapsedTime(start));
            throw;
        }
        catch (HttpRequestException)
        {
            run.Add(lane, AttemptOutcome.TransientFailure, ProviderFailureKind.ConnectionFailure, startedAt, _time.GetElapsedTime(start));
            throw;
        }
        catch (Exception)
        {
            run.Add(lane, AttemptOutcome.PermanentFailure, null, startedAt, _time.GetElapsedTime(start));
            throw;
        }
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

    private AllCandidatesFailedException DeadlineExceeded(Run run, Exception? inner) =>
        new(AllCandidatesFailedException.DeadlineExceeded,
            $"The total deadline of {_options.TotalDeadline} passed before any compliant deployment answered.",
            run.Attempts, run.EventId, inner);

    private static bool IsTransient(Exception ex) =>
        ex is TimeoutRejectedException or HttpRequestException || ex is ProviderException { IsTransient: true };

    private void ConfigurePipeline(ResiliencePipelineBuilder builder, CircuitBreakerStateProvider state)
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
                    ProviderException { IsTransient: true, RetryAfter: { } after } => after <= retry.MaxRetryAfter && after < Remaining(args.Context),
                    { } ex => IsTransient(ex) && retry.MaxDelay < Remaining(args.Context),
                    _ => false,
                }),
                DelayGenerator = args => new ValueTask<TimeSpan?>(
                    args.Outcome.Exception is ProviderException { RetryAfter: { } after } ? after : null),
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = breaker.FailureRatio,
            MinimumThroughput = breaker.MinimumThroughput,
            SamplingDuration = breaker.SamplingDuration,
            BreakDuration = breaker.BreakDuration,
            StateProvider = state,
            ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is { } ex && IsTransient(ex)),
        });
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args =>
            {
                var left = Remaining(args.Context);
                return new ValueTask<TimeSpan>(left < _options.AttemptTimeout ? (left > MinimumAttempt ? left : MinimumAttempt) : _options.AttemptTimeout);
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

    private sealed record Lane(ProviderDeployment Deployment, IProviderAdapter Adapter, ResiliencePipeline Pipeline, CircuitBreakerStateProvider Circuit, string Regions);

    private sealed class CandidateNotCompliantException : Exception;

    private sealed class DeadlineReachedException : Exception;
}
