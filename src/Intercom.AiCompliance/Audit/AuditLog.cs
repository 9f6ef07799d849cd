using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Audit;

/// <summary>The audit trail's log messages: paths, counts, key ids and type names; never record content or keys.</summary>
internal static partial class AuditLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "The audit file {Path} ended in an incomplete record of {ByteCount} byte(s) (a write cut short, for example by a crash); it was moved to {TornPath} and the chain continues from the last whole record")]
    public static partial void TornTailMovedAside(ILogger logger, string path, long byteCount, string tornPath);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "The audit sink {Sink} did not finish a call within {Timeout}; no record is stored until that call ends")]
    public static partial void SinkCallTimedOut(ILogger logger, string sink, TimeSpan timeout);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "The last record stored by the audit sink {Sink} cannot be built on: {Problem}")]
    public static partial void ChainHeadInvalid(ILogger logger, string sink, string problem);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "The audit trail gave up after {Timeout} while shutting down: {Count} queued record(s) were not stored")]
    public static partial void ShutdownGaveUp(ILogger logger, TimeSpan timeout, int count);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "The audit sink {Sink} failed while closing ({ErrorType})")]
    public static partial void SinkCloseFailed(ILogger logger, string sink, string errorType);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "The audit sink {Sink} did not finish closing within the shutdown timeout {Timeout}; the audit trail stopped waiting for it and the close goes on in the background")]
    public static partial void SinkCloseAbandoned(ILogger logger, string sink, TimeSpan timeout);
}
