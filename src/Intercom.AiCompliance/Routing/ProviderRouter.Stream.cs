using System.Runtime.CompilerServices;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Providers;
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
        using var activity = AiComplianceTelemetry.ActivitySource.StartActivity("aicompliance.route");
        activity?.SetTag("aicompliance.product", product);
        activity?.SetTag("aicompliance.capability", capability);
        activity?.SetTag("aicompliance.streaming", true);

        var run = new Run(this, request, cancellationToken, started);
        var auditing = !_audit.IsDiscarding;
        var inputDigest = auditing ? Digest(request.Payload.AppendTo) : string.Empty;

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
        var response = delivered.Count > 0 ? delivered.ToChatResponse() : null;
        AuditWriteException? auditError = null;
        if (auditing)
        {
            var record = BuildRecord(run, outcome, reason, served, inputDigest,
                served is null ? null : Digest(new ChatOutput(response ?? new ChatResponse()).AppendTo), response?.Usage);
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

        Record(activity, started, outcome, reason, product, capability, served);
        if (outcome == AuditOutcome.Succeeded && auditError is null && _training is not null)
        {
            OfferForTraining(run.Request, run.Profile!, new ChatOutput(response ?? new ChatResponse()), run.EventId);
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
            throw failure is null
                ? auditError
                : new AuditWriteException(
                    $"The audit trail failed to store the record of this stream ({outcome}: {reason}); the {failure.GetType().Name} the stream ended with is the inner exception.",
                    failure);
        }
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
        var left = Remaining(run);
        if (left <= TimeSpan.Zero)
        {
            throw new StreamInterruptedException(StreamInterruptedException.DeadlineExceeded, deployment, updates, characters, null, run.EventId);
        }

        var idle = _options.StreamIdleTimeout;
        var byDeadline = left < idle;
        stream.Cts.CancelAfter(byDeadline ? left : idle);
        try
        {
            if (!await stream.Enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                return null;
            }

            stream.Cts.CancelAfter(Timeout.InfiniteTimeSpan);
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
            if (stream.Cts.IsCancellationRequested)
            {
                throw new StreamInterruptedException(byDeadline ? StreamInterruptedException.DeadlineExceeded : StreamInterruptedException.IdleTimeout,
                    deployment, updates, characters, new AttemptFailure(deployment, ex.GetType().Name, ProviderFailureKind.Timeout, null), run.EventId);
            }

            var classified = ClassifyQuietly(ex);
            throw new StreamInterruptedException(StreamInterruptedException.ProviderFailed, deployment, updates, characters,
                new AttemptFailure(deployment, ex.GetType().Name, classified.Kind, classified.StatusCode), run.EventId);
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

    /// <summary>An opened stream and its first update.</summary>
    private sealed class StreamStart(IAsyncEnumerator<ChatResponseUpdate> enumerator, ChatResponseUpdate? first, CancellationTokenSource cts, CancellationTokenRegistration callerLink)
        : IAsyncDisposable
    {
        public IAsyncEnumerator<ChatResponseUpdate> Enumerator { get; } = enumerator;

        public ChatResponseUpdate? First { get; } = first;

        public CancellationTokenSource Cts { get; } = cts;

        public async ValueTask DisposeAsync()
        {
            // Stop the client's work first (an abandoned stream may still be producing), then release it.
            await Cts.CancelAsync().ConfigureAwait(false);
            await DisposeQuietlyAsync(Enumerator).ConfigureAwait(false);
            await callerLink.DisposeAsync().ConfigureAwait(false);
            Cts.Dispose();
        }
    }
}
