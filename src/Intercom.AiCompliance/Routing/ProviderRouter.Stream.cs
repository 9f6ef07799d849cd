using System.Buffers;
using System.Runtime.CompilerServices;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
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
    /// <exception cref="ArgumentException">The payload is not a <see cref="ChatPayload"/> (thrown when enumeration starts).</exception>
    /// <returns>The deployment's updates, the first one carrying the serving deployment, client and audit event id in its <c>AdditionalProperties</c>.</returns>
    public IAsyncEnumerable<ChatResponseUpdate> SendStreamingAsync(AiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamAsync(request, ChatStream.Instance, cancellationToken);
    }

    /// <summary>
    /// Streams a transcript from the best compliant deployment's <see cref="ISpeechToTextClient.GetStreamingTextAsync"/>,
    /// with the rules of <see cref="SendStreamingAsync"/>: failover inside the plan only before the first update, a
    /// <see cref="StreamInterruptedException"/> after it, the attempt, idle and total timeouts, and exactly one audit record.
    /// </summary>
    /// <param name="request">A request whose payload is a <see cref="TranscriptionPayload"/>.</param>
    /// <param name="cancellationToken">Cancels the stream (recorded as cancelled).</param>
    /// <exception cref="ArgumentException">The payload is not a <see cref="TranscriptionPayload"/> (thrown when enumeration starts).</exception>
    /// <returns>The deployment's updates, the first one carrying the serving deployment, client and audit event id in its <c>AdditionalProperties</c>.</returns>
    public IAsyncEnumerable<SpeechToTextResponseUpdate> SendStreamingTranscriptionAsync(AiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamAsync(request, TranscriptStream.Instance, cancellationToken);
    }

    /// <summary>
    /// Streams synthesised speech from the best compliant deployment's <see cref="ITextToSpeechClient.GetStreamingAudioAsync"/>,
    /// with the rules of <see cref="SendStreamingAsync"/>.
    /// </summary>
    /// <param name="request">A request whose payload is a <see cref="SpeechSynthesisPayload"/>.</param>
    /// <param name="cancellationToken">Cancels the stream (recorded as cancelled).</param>
    /// <exception cref="ArgumentException">The payload is not a <see cref="SpeechSynthesisPayload"/> (thrown when enumeration starts).</exception>
    /// <returns>The deployment's updates, the first one carrying the serving deployment, client and audit event id in its <c>AdditionalProperties</c>.</returns>
    public IAsyncEnumerable<TextToSpeechResponseUpdate> SendStreamingSpeechAsync(AiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamAsync(request, SpeechStream.Instance, cancellationToken);
    }

    /// <summary>One streamed request of any capability: the walk, the per-update loop and the one audit record.</summary>
    private async IAsyncEnumerable<TUpdate> StreamAsync<TUpdate>(AiRequest request, StreamKind<TUpdate> kind, [EnumeratorCancellation] CancellationToken cancellationToken)
        where TUpdate : class
    {
        if (!kind.Accepts(request.Payload))
        {
            throw new ArgumentException(kind.PayloadError, nameof(request));
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
        StreamStart<TUpdate>? stream = null;
        // What was delivered, for the record's digest and usage and a training offer; pooled arrays, so a long stream
        // allocates nothing per update once the buffer has grown.
        var delivered = new Delivered<TUpdate>();
        try
        {
            try
            {
                await PrepareAsync(run).ConfigureAwait(false);
                await RedactAsync(run).ConfigureAwait(false);
                stream = await ExecuteAsync(run, kind.OpenAttempt).ConfigureAwait(false);
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
                var p = kind.Properties(current);
                p[ProviderRouterClientExtensions.DeploymentProperty] = run.Served!.Id;
                p[ProviderRouterClientExtensions.ClientProperty] = run.ServedClient!.Name;
                p[ProviderRouterClientExtensions.AuditEventProperty] = run.EventId;
            }

            // With restore, placeholders are put back in each update; a possible placeholder start at an update's end
            // is held back until the next update completes or breaks it, and sent as a last update if nothing does.
            var restorer = run.Redactor is { Restores: true } redactor ? new Privacy.StreamRestorer(redactor) : null;
            var flushUpdate = false;
            while (current is not null)
            {
                if (restorer is not null && !flushUpdate)
                {
                    restorer.Apply(kind.Contents(current));
                }

                delivered.Add(current);
                characters += TextLength(kind.Contents(current));
                yield return current;

                // The held-back text went out as a last update after the client's stream ended: nothing more to read.
                if (flushUpdate)
                {
                    break;
                }

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

                if (current is null && restorer is { Pending.Length: > 0 } && kind.TextUpdate(restorer.Flush()) is { } last)
                {
                    (current, flushUpdate) = (last, true);
                }
            }

            (outcome, reason) = (AuditOutcome.Succeeded, null);
        }
        finally
        {
            try
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }

                await EndStreamAsync(run, kind, activity, started, outcome, reason, failure, inputDigest, auditing, delivered).ConfigureAwait(false);
            }
            finally
            {
                delivered.Dispose();
            }
        }
    }

    /// <summary>The characters of an update's text parts, counted without joining them (no allocation per update).</summary>
    private static int TextLength(IList<AIContent> contents)
    {
        var n = 0;
        for (var i = 0; i < contents.Count; i++)
        {
            if (contents[i] is TextContent t)
            {
                n += t.Text.Length;
            }
        }

        return n;
    }

    private async ValueTask EndStreamAsync<TUpdate>(Run run, StreamKind<TUpdate> kind, System.Diagnostics.Activity? activity, long started, AuditOutcome outcome, string? reason,
        Exception? failure, string inputDigest, bool auditing, Delivered<TUpdate> delivered)
        where TUpdate : class
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
                served is null ? null : Digest(h => AppendUpdates(h, kind, delivered)), UsageOf(kind, delivered));
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
            OfferForTraining(run.Request, run.Profile!, kind.Output(delivered.Items), run.EventId);
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
    private static void AppendUpdates<TUpdate>(System.Security.Cryptography.IncrementalHash hash, StreamKind<TUpdate> kind, Delivered<TUpdate> delivered)
        where TUpdate : class
    {
        var digest = new DigestWriter(hash, stackalloc byte[512]);
        var updates = delivered.Items;
        digest.Int(updates.Count);
        foreach (var update in updates)
        {
            digest.Text(kind.Role(update));
            ContentMeasure.Append(ref digest, kind.Contents(update));
        }

        digest.Flush();
    }

    private static UsageDetails? UsageOf<TUpdate>(StreamKind<TUpdate> kind, Delivered<TUpdate> delivered)
        where TUpdate : class
    {
        UsageDetails? usage = null;
        foreach (var update in delivered.Items)
        {
            foreach (var content in kind.Contents(update))
            {
                if (content is UsageContent u)
                {
                    (usage ??= new UsageDetails()).Add(u.Details);
                }
            }
        }

        return usage;
    }

    /// <summary>
    /// One attempt: opens the deployment's stream and waits for its first update, inside the deployment's pipeline (so the
    /// attempt timeout, retries and the breaker apply). The stream gets a token of its own, tied to the caller's and, until
    /// the first update, to the attempt's; after that the router's idle timer and deadline drive it.
    /// </summary>
    private static async ValueTask<StreamStart<TUpdate>> OpenStreamAsync<TUpdate>(StreamKind<TUpdate> kind, DeploymentClients clients, Run run, CancellationToken attemptToken)
        where TUpdate : class
    {
        var cts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, run.Router._time);
        var callerLink = run.CallerToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), cts);
        var attemptLink = attemptToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), cts);
        IAsyncEnumerator<TUpdate>? enumerator = null;
        try
        {
            enumerator = kind.Open(clients, run.Payload, cts.Token).GetAsyncEnumerator(cts.Token);
            var first = await enumerator.MoveNextAsync().ConfigureAwait(false) ? enumerator.Current : null;
            await attemptLink.DisposeAsync().ConfigureAwait(false);
            return new StreamStart<TUpdate>(enumerator, first, cts, callerLink);
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
    /// <remarks>
    /// The per-update path: one clock read (the deadline check and the watchdog's start share it), no timer change, and a
    /// pooled state machine when the client completes asynchronously, so it allocates nothing of its own.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TUpdate?> NextAsync<TUpdate>(StreamStart<TUpdate> stream, Run run, int updates, long characters)
        where TUpdate : class
    {
        var now = _time.GetTimestamp();
        if (now >= run.DeadlineAt)
        {
            throw new StreamInterruptedException(StreamInterruptedException.DeadlineExceeded, run.Served!.Id, updates, characters, null, run.EventId);
        }

        // The watchdog timer checks the wait (see StreamStart.Watch); starting to wait is one field write.
        stream.StartWaiting(this, run, now);
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
            var deployment = run.Served!.Id;
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

    private static async ValueTask DisposeQuietlyAsync<TUpdate>(IAsyncEnumerator<TUpdate> enumerator)
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
    private sealed class StreamStart<TUpdate>(IAsyncEnumerator<TUpdate> enumerator, TUpdate? first, CancellationTokenSource cts, CancellationTokenRegistration callerLink)
        : IAsyncDisposable
        where TUpdate : class
    {
        private ITimer? _watchdog;
        private ProviderRouter? _router;
        private Run? _run;
        private long _waitingSince;
        private int _cutBy; // 0: not cut, 1: idle timeout, 2: deadline

        public IAsyncEnumerator<TUpdate> Enumerator { get; } = enumerator;

        public TUpdate? First { get; } = first;

        /// <summary>Why the watchdog cancelled the stream, when it did.</summary>
        public RejectionReason? CutBy => Volatile.Read(ref _cutBy) switch
        {
            1 => StreamInterruptedException.IdleTimeout,
            2 => StreamInterruptedException.DeadlineExceeded,
            _ => null,
        };

        public void StartWaiting(ProviderRouter router, Run run, long now)
        {
            Volatile.Write(ref _waitingSince, now);
            if (_watchdog is null)
            {
                _router = router;
                _run = run;
                _watchdog = router._time.CreateTimer(static s => ((StreamStart<TUpdate>)s!).Watch(), this, DueIn(router, run, router._options.StreamIdleTimeout), Timeout.InfiniteTimeSpan);
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

    /// <summary>
    /// What differs between streamed capabilities: the payload it takes, how the deployment's client streams it, and where
    /// an update keeps its parts, its role or kind, and its additional properties.
    /// </summary>
    private abstract class StreamKind<TUpdate>
        where TUpdate : class
    {
        protected StreamKind() =>
            OpenAttempt = (clients, run, ct) => OpenStreamAsync(this, clients, run, ct);

        /// <summary>One attempt of the walk: opens the stream and waits for its first update.</summary>
        public Func<DeploymentClients, Run, CancellationToken, ValueTask<StreamStart<TUpdate>>> OpenAttempt { get; }

        public abstract string PayloadError { get; }

        public abstract bool Accepts(AiPayload payload);

        public abstract IAsyncEnumerable<TUpdate> Open(DeploymentClients clients, AiPayload payload, CancellationToken cancellationToken);

        public abstract IList<AIContent> Contents(TUpdate update);

        public abstract string? Role(TUpdate update);

        public abstract AdditionalPropertiesDictionary Properties(TUpdate update);

        /// <summary>The whole answer, built from what was delivered (for a training offer).</summary>
        public abstract AiOutput Output(IReadOnlyList<TUpdate> delivered);

        /// <summary>An update carrying only <paramref name="text"/> (restored text held back until the end), or null where updates carry no text.</summary>
        public virtual TUpdate? TextUpdate(string text) => null;
    }

    private sealed class ChatStream : StreamKind<ChatResponseUpdate>
    {
        public static readonly ChatStream Instance = new();

        public override string PayloadError => "Streaming chat: the request's payload must be a ChatPayload.";

        public override bool Accepts(AiPayload payload) => payload is ChatPayload;

        public override IAsyncEnumerable<ChatResponseUpdate> Open(DeploymentClients clients, AiPayload payload, CancellationToken cancellationToken)
        {
            var chat = (ChatPayload)payload;
            return clients.Chat.GetStreamingResponseAsync(chat.Messages, clients.ChatOptionsFor(chat.Options), cancellationToken);
        }

        public override IList<AIContent> Contents(ChatResponseUpdate update) => update.Contents;

        public override string? Role(ChatResponseUpdate update) => update.Role?.Value;

        public override AdditionalPropertiesDictionary Properties(ChatResponseUpdate update) => update.AdditionalProperties ??= [];

        public override AiOutput Output(IReadOnlyList<ChatResponseUpdate> delivered) => new ChatOutput(delivered.ToChatResponse());

        public override ChatResponseUpdate? TextUpdate(string text) => new(ChatRole.Assistant, text);
    }

    private sealed class TranscriptStream : StreamKind<SpeechToTextResponseUpdate>
    {
        public static readonly TranscriptStream Instance = new();

        public override string PayloadError => "Streaming transcription: the request's payload must be a TranscriptionPayload.";

        public override bool Accepts(AiPayload payload) => payload is TranscriptionPayload;

        public override IAsyncEnumerable<SpeechToTextResponseUpdate> Open(DeploymentClients clients, AiPayload payload, CancellationToken cancellationToken)
        {
            var transcription = (TranscriptionPayload)payload;
            var client = (ISpeechToTextClient)clients.For(Capability.Transcription).Client;
            // A read-only view of the caller's audio; the client reads it while it streams.
            var audio = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(transcription.Audio, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(transcription.Audio.ToArray(), writable: false);
            return client.GetStreamingTextAsync(audio, new SpeechToTextOptions { ModelId = clients.Deployment.Model }, cancellationToken);
        }

        public override IList<AIContent> Contents(SpeechToTextResponseUpdate update) => update.Contents;

        public override string? Role(SpeechToTextResponseUpdate update) => update.Kind.Value;

        public override AdditionalPropertiesDictionary Properties(SpeechToTextResponseUpdate update) => update.AdditionalProperties ??= [];

        public override SpeechToTextResponseUpdate? TextUpdate(string text) => new(text);

        public override AiOutput Output(IReadOnlyList<SpeechToTextResponseUpdate> delivered) => new TranscriptOutput(delivered.ToSpeechToTextResponse().Text)
        {
            Usage = UsageOfParts(delivered.SelectMany(u => u.Contents)),
        };
    }

    private sealed class SpeechStream : StreamKind<TextToSpeechResponseUpdate>
    {
        public static readonly SpeechStream Instance = new();

        public override string PayloadError => "Streaming speech synthesis: the request's payload must be a SpeechSynthesisPayload.";

        public override bool Accepts(AiPayload payload) => payload is SpeechSynthesisPayload;

        public override IAsyncEnumerable<TextToSpeechResponseUpdate> Open(DeploymentClients clients, AiPayload payload, CancellationToken cancellationToken)
        {
            var speech = (SpeechSynthesisPayload)payload;
            var client = (ITextToSpeechClient)clients.For(Capability.SpeechSynthesis).Client;
            return client.GetStreamingAudioAsync(speech.Text, new TextToSpeechOptions { ModelId = clients.Deployment.Model, VoiceId = speech.Voice }, cancellationToken);
        }

        public override IList<AIContent> Contents(TextToSpeechResponseUpdate update) => update.Contents;

        public override string? Role(TextToSpeechResponseUpdate update) => update.Kind.Value;

        public override AdditionalPropertiesDictionary Properties(TextToSpeechResponseUpdate update) => update.AdditionalProperties ??= [];

        public override AiOutput Output(IReadOnlyList<TextToSpeechResponseUpdate> delivered)
        {
            var parts = delivered.SelectMany(u => u.Contents).OfType<DataContent>().ToArray();
            var audio = new byte[parts.Sum(p => p.Data.Length)];
            var at = 0;
            foreach (var part in parts)
            {
                part.Data.Span.CopyTo(audio.AsSpan(at));
                at += part.Data.Length;
            }

            return new SpeechOutput(audio, parts.FirstOrDefault()?.MediaType ?? "application/octet-stream")
            {
                Usage = UsageOfParts(delivered.SelectMany(u => u.Contents)),
            };
        }
    }

    private static UsageDetails? UsageOfParts(IEnumerable<AIContent> contents)
    {
        UsageDetails? usage = null;
        foreach (var u in contents.OfType<UsageContent>())
        {
            (usage ??= new UsageDetails()).Add(u.Details);
        }

        return usage;
    }

    /// <summary>The updates delivered so far, in an array rented from the shared pool (returned, cleared, at the end).</summary>
    private sealed class Delivered<TUpdate> : IDisposable
        where TUpdate : class
    {
        private TUpdate[] _items = [];
        private int _count;

        public int Count => _count;

        /// <summary>The delivered updates; valid until <see cref="Dispose"/>.</summary>
        public IReadOnlyList<TUpdate> Items => new ArraySegment<TUpdate>(_items, 0, _count);

        public void Add(TUpdate update)
        {
            if (_count == _items.Length)
            {
                var larger = ArrayPool<TUpdate>.Shared.Rent(Math.Max(16, _count * 2));
                Array.Copy(_items, larger, _count);
                Return(_items, _count);
                _items = larger;
            }

            _items[_count++] = update;
        }

        public void Dispose()
        {
            Return(_items, _count);
            _items = [];
            _count = 0;
        }

        private static void Return(TUpdate[] items, int count)
        {
            if (items.Length > 0)
            {
                // Cleared, so the pool holds no reference to delivered content.
                Array.Clear(items, 0, count);
                ArrayPool<TUpdate>.Shared.Return(items);
            }
        }
    }
}
