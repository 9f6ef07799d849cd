using System.Globalization;
using Intercom.AiCompliance.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Intercom.AiCompliance.Sqlite;

/// <summary>
/// The scheduled retention job (registered only when <c>AiComplianceSqlite:Retention:MaxAge</c> is set): at the host's
/// start and then every <see cref="SqliteRetentionOptions.Interval"/> on the injected clock, exports the records older than
/// <see cref="SqliteRetentionOptions.MaxAge"/> to a new file in <see cref="SqliteRetentionOptions.ExportFolder"/> and prunes
/// them through <see cref="IAuditRetention"/>.
/// </summary>
/// <remarks>
/// A run that fails is logged (the exception's type only: no message, path or record) and the next run tries again; it
/// never stops the host. Nothing is removed unless the export was written, flushed and verified first.
/// </remarks>
internal sealed partial class SqliteAuditRetentionService(
    IAuditRetention retention,
    SqliteRetentionOptions options,
    TimeProvider? timeProvider = null,
    ILogger<SqliteAuditRetentionService>? logger = null) : BackgroundService
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly TimeSpan _maxAge = options.MaxAge ?? throw new ArgumentException("The retention job needs a MaxAge.", nameof(options));
    private readonly string _folder = Path.GetFullPath(options.ExportFolder is { Length: > 0 } f ? f : throw new ArgumentException("The retention job needs an ExportFolder.", nameof(options)));
    private readonly TimeSpan _interval = options.Interval;

    /// <summary>Raised after each run, with its result (null when it failed); for tests and monitoring.</summary>
    internal event Action<AuditRetentionResult?>? RunCompleted;

    /// <summary>One run: export and prune the old records into a new file. Never throws but for cancellation.</summary>
    internal async Task<AuditRetentionResult?> RunOnceAsync(CancellationToken cancellationToken)
    {
        AuditRetentionResult? result = null;
        try
        {
            Directory.CreateDirectory(_folder);
            result = await retention.ExportAndPruneAsync(_maxAge, NewExportPath(), cancellationToken).ConfigureAwait(false);
            if (result.Pruned)
            {
                Log.Pruned(_logger, result.ExportedRecords, result.ThroughSequence);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A failed run is logged and retried at the next interval; it must never stop the host.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The type only: a message could name a path or quote a stored line.
            Log.RunFailed(_logger, ex.GetType().FullName ?? ex.GetType().Name);
        }

        RunCompleted?.Invoke(result);
        return result;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            do
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    /// <summary>A file name no earlier run used: the run's time, and a counter if a file of that name exists.</summary>
    private string NewExportPath()
    {
        var stamp = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var path = Path.Combine(_folder, $"aicompliance-audit-{stamp}.jsonl");
        for (var i = 1; File.Exists(path); i++)
        {
            path = Path.Combine(_folder, $"aicompliance-audit-{stamp}-{i}.jsonl");
        }

        return path;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "The audit retention job exported and pruned {Count} record(s), through sequence {Through}")]
        public static partial void Pruned(ILogger logger, int count, long through);

        [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "The audit retention job failed ({ErrorType}); nothing was removed unless its export verified, and the next run tries again")]
        public static partial void RunFailed(ILogger logger, string errorType);
    }
}
