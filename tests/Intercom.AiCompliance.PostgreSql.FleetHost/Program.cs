// Usage (the chain key comes from AICOMPLIANCE_AUDIT_CHAIN_KEY and the connection string from AICOMPLIANCE_TEST_POSTGRES,
// never the command line):
//   write <instance> <run> <seconds> <concurrency>   appends records from <concurrency> concurrent callers for <seconds>,
//                                                    then closes the trail and exits 0; prints "ack <eventId>" only after
//                                                    the trail acknowledged that record as stored, "fail" for a refused one.
//   consent <instance> <workspace>                   records an opt-out request, prints "recorded", then waits to be killed.
using System.Globalization;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.PostgreSql;
using Intercom.AiCompliance.Training;

var key = AuditChainKey.FromBase64(Environment.GetEnvironmentVariable("AICOMPLIANCE_AUDIT_CHAIN_KEY") ?? string.Empty, "AICOMPLIANCE_AUDIT_CHAIN_KEY");
var connectionString = Environment.GetEnvironmentVariable("AICOMPLIANCE_TEST_POSTGRES") ?? string.Empty;
switch (args)
{
    case ["write", var instance, var run, var secondsText, var concurrencyText]:
    {
        var seconds = double.Parse(secondsText, CultureInfo.InvariantCulture);
        var concurrency = int.Parse(concurrencyText, CultureInfo.InvariantCulture);
        await using var store = PostgreSqlStore.Open(connectionString, instance);
        await using var trail = new AuditTrail(new PostgreSqlAuditSink(store, key), new AuditTrailOptions { ChainKey = key });

        // "started" only once this instance has stored a record, so the run's clock starts with every instance writing.
        while (true)
        {
            try
            {
                await trail.AppendAsync(Record($"{instance}-{run}-start"));
                Console.WriteLine($"ack {instance}-{run}-start");
                break;
            }
            catch (AuditWriteException)
            {
                Console.WriteLine("fail");
                await Task.Delay(50);
            }
        }

        Console.WriteLine("started");
        var until = DateTime.UtcNow.AddSeconds(seconds);
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            for (var n = 0; DateTime.UtcNow < until; n++)
            {
                var id = $"{instance}-{run}-w{w}-{n}";
                try
                {
                    await trail.AppendAsync(Record(id));
                    Console.WriteLine($"ack {id}");
                }
                catch (AuditWriteException)
                {
                    // A killed connection fails the batch it was writing: those callers are told, and never acknowledged.
                    Console.WriteLine("fail");
                    await Task.Delay(5);
                }
            }
        }));
        await Task.WhenAll(workers);
        return 0;
    }

    case ["consent", var instance, var workspace]:
    {
        var store = PostgreSqlStore.Open(connectionString, instance);
        var ledger = new TrainingConsentLedger(new PostgreSqlConsentEventStore(store));
        await ledger.RequestOptOutAsync(workspace, "ticket-1");
        Console.WriteLine("recorded");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    default:
        Console.Error.WriteLine("usage: write <instance> <run> <seconds> <concurrency> | consent <instance> <workspace>");
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
