using System.Runtime.CompilerServices;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Telemetry;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Routing;

public sealed partial class ProviderRouter
{
    /// <summary>
    /// Streams a chat answer from the best compliant deployment. Before the first update reaches the caller, failures
    /// are retried and failed over inside the plan exactly as <see cref="SendAsync"/> does, and the attempt timeout bounds
    /// the wait for that first update. After it, nothing is failed over: a failure, a gap longer than
    /// <see cref="ProviderRouterOptions.StreamIdleTimeout"/> or the total deadline ends the stream with a
    /// <see cref="StreamInterruptedException"/> saying how much was delivered.
    /// </summary>
    /// <remarks>
    /// Exactly one audit record is written when the stream ends, however it ends: completed, refused, failed, partial
    /// (failed after the first update), cancelled by the caller, or abandoned (the caller disposed the enumerator before the
    /// end; dispose it, as with any M.E.AI stream, or the record waits for the garbage collector). The record holds the
    /// attempts, the token counts the provider reported and the digest of what was delivered, never the content.
    /// </remarks>
    /// <exception cref="ArgumentException">The payload is not a <see cref="ChatPayload"/>.</exception>
    /// <returns>The deployment's updates, the first one carrying the serving deployment, client and audit event id in its <c>AdditionalProperties</c>.</returns>
    public async IAsyncEnumerable<ChatResponseUpdate> SendStreamingAsync(AiRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Payload is not ChatPayload)
        {
            throw new ArgumentException("Streaming serves chat: the request's payload must be a ChatPayload.", nameof(request));
        }

        var started = _time.GetTimestamp();
        var product = request.Product.ToString();
        var capability = request.Capability.ToString();
        using var activity = StartRouteActivity(product, capability);
        activity?.SetTag("aicompliance.streaming", true);

        var run = new Run(this, request, cancellationToken, started);
        var auditing = !_audit.IsDiscarding;
        var inputDigest = InputDigestOf(request);

        // Until the stream ends otherwise, a caller that stops reading leaves it abandoned.
        var outcome = AuditOutcome.Abandoned;
        string? reason = "abandoned";
        Exception? failure = null;
        StreamStart? stream = null;
        var delivered = new List<ChatResponseUpdate>();
        try
        {
            try
            {
                await PrepareAsync(run).ConfigureAwait(false);
                stream = await ExecuteAsync(run, OpenStream).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Whatever failed before the first update is audited, then rethrown.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                (outcome, reason, failure) = Describe(ex, cancellationToken);
            }

            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            long characters = 0;
            var current = stream!.First;
            if (current is not null)
            {
                // The first update says where the answer comes from, as a non-streamed answer does.
                var p = current.AdditionalProperties ??= [];
                p[ProviderRouterClientExtensions.DeploymentProperty] = run.Served!.Id;
                p[ProviderRouterClientExtensions.ClientProperty] = run.ServedClient!.Name;
                p[ProviderRouterClientExtensions.AuditEventProperty] = run.EventId;
            }

            while (current is not null)
            {
                delivered.Add(current);
                characters += current.Text.Length;
                yield return current;

                try
                {
                    current = await NextAsync(stream, run, delivered.Count, characters).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    (outcome, reason, failure) = (AuditOutcome.Cancelled, "cancelled", new OperationCanceledException("The caller cancelled the stream.", cancellationToken));
                }
                catch (StreamInterruptedException ex)
                {
                    (outcome, reason, failure) = (AuditOutcome.Partial, ex.Reason.Code, ex);
                }

                if (failure is not null)
                {
                    throw failure;
                }
            }

            (outcome, reason) = (AuditOutcome.Succeeded, null);
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            await EndStreamAsync(run, activity, started, outcome, reason, failure, inputDigest, auditing, delivered).ConfigureAwait(false);
        }
    }

    private async ValueTask EndStreamAsync(Run run, System.Diagnostics.Activity? activity, long started, AuditOutcome outcome, string? reason, Exception? failure,
        string inputDigest, bool auditing, List<ChatResponseUpdate> delivered)
    {
        var product = run.Request.Product.ToString();
        var capability = run.Request.Capability.ToString();

        // The deployment that streamed is named whenever anything was delivered, however the stream ended.
        var served = delivered.Count > 0 || outcome == AuditOutcome.Succeeded ? run.Served : null;
        if (outcome == AuditOutcome.Succeeded)
        {
            await ReadConsentForRecordAsync(run).ConfigureAwait(false);
        }

        AuditWriteException? auditError = null;
        if (auditing)
        {
            var record = BuildRecord(run, outcome, reason, served, inputDigest,
                served is null ? null : Digest(h => AppendUpdates(h, delivered)), UsageOf(delivered));
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

        Record(activity, started, outcome, reason, product, capability, served);
        if (outcome == AuditOutcome.Succeeded && auditError is null && run.Consent is { AllowsTraining: true })
        {
            OfferForTraining(run.Request, run.Profile!, new ChatOutput(delivered.ToChatResponse()), run.EventId);
        }

        if (outcome is AuditOutcome.RequestRefused or AuditOutcome.NoCompliantRoute)
        {
            Log.Refused(_logger, product, capability, reason ?? "");
        }
        else if (outcome is AuditOutcome.AllCandidatesFailed or AuditOutcome.Partial or AuditOutcome.Error)
        {
            Log.AllFailed(_logger, product, capability, reason ?? "");
        }

        // Fail closed, as SendAsync does; an abandoned or cancelled stream ends as the caller asked.
        if (auditError is not null && _options.AuditFailureMode == AuditFailureMode.FailClosed && outcome is not (AuditOutcome.Abandoned or AuditOutcome.Cancelled))
        {
            var message = $"The audit trail failed to store the record of this stream ({outcome}: {reason}).";
            throw failure switch
            {
                null => auditError,
                AiRoutingException => auditError.WithRequestFailure(message + $" The {failure.GetType().Name} the stream ended with is the inner exception.", failure),
                _ => new AuditWriteException(message + $" The stream ended with an unexpected {failure.GetType().Name}.", auditError.Failure, auditError.MayHaveBeenStored, auditError.SinkErrorType, auditError.SinkErrorCode),
            };
        }
    }

    /// <summary>The digest of what was delivered: every part of every update, in order (no coalescing, so it costs one pass).</summary>
    private static void AppendUpdates(System.Security.Cryptography.IncrementalHash hash, List<ChatResponseUpdate> updates)
    {
        var digest = new DigestWriter(hash, stackalloc byte[512]);
        digest.Int(updates.Count);
        foreach (var update in updates)
        {
            digest.Text(update.Role?.Value);
            ContentMeasure.Append(ref digest, update.Contents);
        }

        digest.Flush();
    }

    private static UsageDetails? UsageOf(List<ChatResponseUpdate> updates)
    {
        UsageDetails? usage = null;
        foreach (var update in updates)
        {
            foreach (var content in update.Contents)
            {
                if (content is UsageContent u)
                {
                    (usage ??= new UsageDetails()).Add(u.Details);
                }
            }
        }

        return usage;
    }

    private static readonly Func<DeploymentClients, Run, CancellationToken, ValueTask<StreamStart>> OpenStream =
        static (clients, run, ct) => run.Router.OpenStreamAsync(clients, run, ct);

    /// <summary>
    /// One attempt: opens the deployment's stream and waits for its first update, inside the deployment's pipeline (so the
    /// attempt timeout, retries and the breaker apply). The stream gets a token of its own, tied to the caller's and, until
    /// the first update, to the attempt's; after that the router's idle timer and deadline drive it.
    /// </summary>
    private async ValueTask<StreamStart> OpenStreamAsync(DeploymentClients clients, Run run, CancellationToken attemptToken)
    {
        var chat = (ChatPayload)run.Request.Payload;
        var cts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        var callerLink = run.CallerToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), cts);
        var attemptLink = attemptToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), cts);
        IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
        try
        {
            enumerator = clients.Chat.GetStreamingResponseAsync(chat.Messages, clients.ChatOptionsFor(chat.Options), cts.Token).GetAsyncEnumerator(cts.Token);
            var first = await enumerator.MoveNextAsync().ConfigureAwait(false) ? enumerator.Current : null;
            await attemptLink.DisposeAsync().ConfigureAwait(false);
            return new StreamStart(enumerator, first, cts, callerLink);
        }
        catch
        {
            await attemptLink.DisposeAsync().ConfigureAwait(false);
            await callerLink.DisposeAsync().ConfigureAwait(false);
            if (enumerator is not null)
            {
                await DisposeQuietlyAsync(enumerator).ConfigureAwait(false);
            }

            cts.Dispose();
            throw;
        }
    }

    /// <summary>The next update, or null at the end. Never fails over: a failure ends the stream with what was delivered.</summary>
    private async ValueTask<ChatResponseUpdate?> NextAsync(StreamStart stream, Run run, int updates, long characters)
    {
        var deployment = run.Served!.Id;
        if (Remaining(run) <= TimeSpan.Zero)
        {
            throw new StreamInterruptedException(StreamInterruptedException.DeadlineExceeded, deployment, updates, characters, null, run.EventId);
        }

        // Two clock reads per update, no timer change: a watchdog timer checks the wait (see StreamStart.Watch).
        stream.StartWaiting(this, run);
        try
        {
            if (!await stream.Enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                return null;
            }

            return stream.Enumerator.Current;
        }
        catch (OperationCanceledException) when (run.CallerToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Every client failure is replaced by a content-free one.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (stream.CutBy is { } cut)
            {
                throw new StreamInterruptedException(cut, deployment, updates, characters,
                    new AttemptFailure(deployment, ex.GetType().Name, ProviderFailureKind.Timeout, null), run.EventId);
            }

            var classified = ClassifyQuietly(ex);
            throw new StreamInterruptedException(StreamInterruptedException.ProviderFailed, deployment, updates, characters,
                new AttemptFailure(deployment, ex.GetType().Name, classified.Kind, classified.StatusCode), run.EventId);
        }
        finally
        {
            stream.StopWaiting();
        }
    }

    private ProviderFailure ClassifyQuietly(Exception ex)
    {
        try
        {
            return _classifier.Classify(ex);
        }
#pragma warning disable CA1031 // A failing classifier leaves the failure unknown.
        catch (Exception)
#pragma warning restore CA1031
        {
            return new ProviderFailure(null);
        }
    }

    private static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<ChatResponseUpdate> enumerator)
    {
        try
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A client that fails while being disposed has nothing left to tell the caller.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// An opened stream, its first update, and the watchdog that bounds each wait for the next update by the idle timeout
    /// and the total deadline. Only the time spent waiting on the client counts, never the caller's time between reads.
    /// </summary>
    private sealed class StreamStart(IAsyncEnumerator<ChatResponseUpdate> enumerator, ChatResponseUpdate? first, CancellationTokenSource cts, CancellationTokenRegistration callerLink)
        : IAsyncDisposable
    {
        private ITimer? _watchdog;
        private ProviderRouter? _router;
        private Run? _run;
        private long _waitingSince;
        private int _cutBy; // 0: not cut, 1: idle timeout, 2: deadline

        public IAsyncEnumerator<ChatResponseUpdate> Enumerator { get; } = enumerator;

        public ChatResponseUpdate? First { get; } = first;

        /// <summary>Why the watchdog cancelled the stream, when it did.</summary>
        public RejectionReason? CutBy => Volatile.Read(ref _cutBy) switch
        {
            1 => StreamInterruptedException.IdleTimeout,
            2 => StreamInterruptedException.DeadlineExceeded,
            _ => null,
        };

        public void StartWaiting(ProviderRouter router, Run run)
        {
            Volatile.Write(ref _waitingSince, router._time.GetTimestamp());
            if (_watchdog is null)
            {
                _router = router;
                _run = run;
                _watchdog = router._time.CreateTimer(static s => ((StreamStart)s!).Watch(), this, DueIn(router, run, router._options.StreamIdleTimeout), Timeout.InfiniteTimeSpan);
            }
        }

        public void StopWaiting() => Volatile.Write(ref _waitingSince, 0);

        private static TimeSpan DueIn(ProviderRouter router, Run run, TimeSpan idleLeft)
        {
            var deadline = router.Remaining(run);
            var due = deadline < idleLeft ? deadline : idleLeft;
            return due > TimeSpan.Zero ? due : TimeSpan.Zero;
        }

        /// <summary>Runs when the idle timeout or the deadline may have passed: cancels the wait, or sleeps until it may.</summary>
        private void Watch()
        {
            var router = _router!;
            var run = _run!;
            var waitingSince = Volatile.Read(ref _waitingSince);
            var idle = router._options.StreamIdleTimeout;
            if (waitingSince != 0)
            {
                var waited = router._time.GetElapsedTime(waitingSince);
                var reason = waited >= idle ? 1 : router.Remaining(run) <= TimeSpan.Zero ? 2 : 0;
                if (reason != 0)
                {
                    Volatile.Write(ref _cutBy, reason);
                    cts.Cancel();
                    return;
                }

                idle -= waited;
            }

            try
            {
                _watchdog?.Change(DueIn(router, run, idle), Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The stream ended meanwhile.
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_watchdog is not null)
            {
                await _watchdog.DisposeAsync().ConfigureAwait(false);
            }

            // Stop the client's work first (an abandoned stream may still be producing), then release it.
            await cts.CancelAsync().ConfigureAwait(false);
            await DisposeQuietlyAsync(Enumerator).ConfigureAwait(false);
            await callerLink.DisposeAsync().ConfigureAwait(false);
            cts.Dispose();
        }
    }
}
