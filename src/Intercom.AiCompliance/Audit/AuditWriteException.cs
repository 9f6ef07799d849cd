namespace Intercom.AiCompliance.Audit;

/// <summary>Why the audit trail could not store a record.</summary>
public enum AuditWriteFailure
{
    /// <summary>The sink threw.</summary>
    SinkFailed = 1,

    /// <summary>The sink did not finish within the trail's write timeout.</summary>
    TimedOut = 2,

    /// <summary>An earlier write has not finished after its timeout: no write starts until it does.</summary>
    SinkStuck = 3,

    /// <summary>The trail is shut down (or gave up waiting while shutting down).</summary>
    ShutDown = 4,

    /// <summary>The last stored record does not verify under the chain keys: the chain will not be built on it.</summary>
    ChainHeadInvalid = 5,
}

/// <summary>
/// The audit trail could not store a record. With the default fail-closed policy, the request fails too.
/// </summary>
/// <remarks>
/// It carries no exception of a sink's: a sink's exception may quote whatever it was handling (a connection string, a
/// record, a path with a name in it), so only its type name and HResult are kept, in <see cref="SinkErrorType"/> and
/// <see cref="SinkErrorCode"/>. When a refused or failed request's record is
/// not stored, the router's own refusal or failure (content-free by construction) is the inner exception. The message names the sink, the failure and the number of records; never content.
/// </remarks>
public sealed class AuditWriteException : Exception
{
    /// <summary>Creates the exception with a message that holds no content.</summary>
    public AuditWriteException(string message)
        : this(message, AuditWriteFailure.SinkFailed)
    {
    }

    /// <summary>Creates the exception with a message that holds no content and the failure kind.</summary>
    public AuditWriteException(string message, AuditWriteFailure failure, bool mayHaveBeenStored = false, string? sinkErrorType = null, int? sinkErrorCode = null)
        : base(message)
    {
        Failure = failure;
        MayHaveBeenStored = mayHaveBeenStored;
        SinkErrorType = sinkErrorType;
        SinkErrorCode = sinkErrorCode;
    }

    private AuditWriteException(AuditWriteException audit, string message, Exception requestFailure)
        : base(message, requestFailure)
    {
        Failure = audit.Failure;
        MayHaveBeenStored = audit.MayHaveBeenStored;
        SinkErrorType = audit.SinkErrorType;
        SinkErrorCode = audit.SinkErrorCode;
    }

    /// <summary>
    /// The same audit failure, carrying the package's own content-free exception that the request ended with (a
    /// refusal or a failure) as its inner exception, so a fail-closed caller sees both. Only the package's own typed
    /// exceptions are attached; never a sink's or an adapter's.
    /// </summary>
    internal AuditWriteException WithRequestFailure(string message, Exception requestFailure) => new(this, message, requestFailure);

    /// <summary>Why the record was not stored.</summary>
    public AuditWriteFailure Failure { get; }

    /// <summary>
    /// Whether the record may be in the trail after all: true when the sink failed or timed out during the write
    /// that held it (a sink can store part of a batch before it throws, and a timed-out call may still finish).
    /// It then appears as the router built it, although the caller was told the audit failed. False when the record
    /// never reached a write (withdrawn, the sink stuck or shut down, the chain head invalid).
    /// </summary>
    public bool MayHaveBeenStored { get; }

    /// <summary>The full type name of the exception the sink threw, when it threw one (never the exception itself).</summary>
    public string? SinkErrorType { get; }

    /// <summary>The HResult of the exception the sink threw (for I/O errors, the operating system's code).</summary>
    public int? SinkErrorCode { get; }
}
