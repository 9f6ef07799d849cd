using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Sqlite.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using FsProperty = FsCheck.NUnit.PropertyAttribute;

namespace Intercom.AiCompliance.Sqlite.Tests;

public class SqliteAuditSinkPropertyTests
{
    private sealed class CapturingSink : IAuditSink
    {
        public List<AuditRecord> Stored { get; } = [];

        public ValueTask<AuditChainHead> ReadHeadAsync(CancellationToken cancellationToken = default) => new(AuditChainHead.Empty);

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
        {
            Stored.AddRange(records);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// However a chain is cut into batches, and however often the sink is closed and reopened between them, the database
    /// holds exactly the sealed records, in order, and the whole chain verifies.
    /// </summary>
    [FsProperty(MaxTest = 25)]
    public bool WriteAsync_AnyBatchingAndReopening_StoresExactlyTheChainAndItVerifies(int seed)
    {
        var rng = new Random(seed);
        var count = rng.Next(1, 60);
        var sealedRecords = new CapturingSink();
        using (var trail = new AuditTrail(sealedRecords, AuditKeys.Options()))
        {
            for (var i = 1; i <= count; i++)
            {
                trail.AppendAsync(AuditRecords.Make(i)).AsTask().GetAwaiter().GetResult();
            }
        }

        using var temp = new TempFolder();
        var db = temp.File("store.db");
        var sink = SqliteAuditSink.Open(db);
        try
        {
            for (var at = 0; at < count;)
            {
                var size = Math.Min(count - at, rng.Next(1, 12));
                if (rng.Next(4) == 0)
                {
                    sink.Dispose();
                    sink = SqliteAuditSink.Open(db);
                    if (sink.ReadHeadAsync().AsTask().GetAwaiter().GetResult().Sequence != at)
                    {
                        return false;
                    }
                }

                sink.WriteAsync(sealedRecords.Stored.GetRange(at, size)).AsTask().GetAwaiter().GetResult();
                at += size;
            }
        }
        finally
        {
            sink.Dispose();
        }

        return SqliteAuditVerifier.Verify(db, AuditKeys.Chain) == new AuditVerificationResult(true, count, null, null);
    }
}
