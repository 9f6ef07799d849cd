// Usage (the chain key comes from the environment variable AICOMPLIANCE_AUDIT_CHAIN_KEY, never the command line):
//   write <database> <run> <concurrency>   appends records from <concurrency> concurrent callers until killed; prints
//                                          "ack <eventId>" only after the trail acknowledged that record as stored.
//   open <database>                        opens the store as a writer; exit 0 if it could, 3 if another writer holds it.
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Sqlite;

var key = AuditChainKey.FromBase64(Environment.GetEnvironmentVariable("AICOMPLIANCE_AUDIT_CHAIN_KEY") ?? string.Empty, "AICOMPLIANCE_AUDIT_CHAIN_KEY");
switch (args)
{
    case ["open", var path]:
        try
        {
            using var store = SqliteStore.Open(path);
            Console.WriteLine("opened");
            return 0;
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 3;
        }

    case ["write", var path, var run, var concurrencyText]:
    {
        var concurrency = int.Parse(concurrencyText, System.Globalization.CultureInfo.InvariantCulture);
        var trail = new AuditTrail(SqliteAuditSink.Open(path), new AuditTrailOptions { ChainKey = key });
        var first = await trail.AppendAsync(Record($"{run}-start"));
        Console.WriteLine($"started {first.Sequence}");
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            for (var n = 0; ; n++)
            {
                var id = $"{run}-w{w}-{n}";
                await trail.AppendAsync(Record(id));
                Console.WriteLine($"ack {id}");
            }
        }));
        await Task.WhenAll(workers);
        return 0;
    }

    default:
        Console.Error.WriteLine("usage: write <database> <run> <concurrency> | open <database>");
        return 2;
}

static AuditRecord Record(string id) => new()
{
    EventId = id,
    Timestamp = DateTimeOffset.UtcNow,
    WorkspaceId = "ws-1",
    Product = "FinAiAgent",
    Purpose = "AnsweringEndUser",
    Capability = "Chat",
    Required = new AuditPromises { Region = "EU" },
    Outcome = AuditOutcome.Succeeded,
};
