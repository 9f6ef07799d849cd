// Usage: Intercom.AiCompliance.AuditWriter <audit file> <base64 chain key>
// Appends records to the file through an AuditTrail over a JsonLinesAuditSink, one after another, until killed. After
// each stored record it prints its sequence number on a line of its own, so the parent knows the writer is running.
using System.Globalization;
using Intercom.AiCompliance.Audit;

if (args.Length != 2)
{
    await Console.Error.WriteLineAsync("usage: <audit file> <base64 chain key>");
    return 2;
}

var options = new AuditTrailOptions { ChainKey = AuditChainKey.FromBase64(args[1]) };
await using var trail = new AuditTrail(new JsonLinesAuditSink(args[0], flushToDisk: false), options);
var stdout = Console.Out;
for (var i = 0; ; i++)
{
    var stored = await trail.AppendAsync(new AuditRecord
    {
        EventId = "child-" + i.ToString(CultureInfo.InvariantCulture),
        Timestamp = DateTimeOffset.UtcNow,
        WorkspaceId = "ws-child",
        Product = "FinAiAgent",
        Purpose = "AnsweringEndUser",
        Capability = "Chat",
        Required = new AuditPromises { Region = "EU" },
        Outcome = AuditOutcome.Succeeded,
    });
    await stdout.WriteLineAsync(stored.Sequence.ToString(CultureInfo.InvariantCulture));
    await stdout.FlushAsync();
}
