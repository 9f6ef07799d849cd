using System.CommandLine;
using System.Globalization;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Sqlite;

namespace Intercom.AiCompliance.Cli;

/// <summary>
/// <c>audit export</c> and <c>audit prune</c>: move records older than an age out of an audit store into a JSON Lines file
/// that <c>audit verify</c> checks on its own; prune (SQLite only) then removes them and leaves a signed checkpoint.
/// </summary>
internal static class AuditRetentionCommands
{
    private static ReadOnlySpan<byte> SqliteHeader => "SQLite format 3\0"u8;

    public static Command Export(TextWriter stdout, Func<IReadOnlyList<string>, List<AuditChainKey>> chainKeys) =>
        Build("export", "Copy the records older than --older-than to a new JSON Lines file that verifies on its own (a SQLite database or a JSON Lines file; nothing is removed).", prune: false, stdout, chainKeys);

    public static Command Prune(TextWriter stdout, Func<IReadOnlyList<string>, List<AuditChainKey>> chainKeys) =>
        Build("prune", "Export the records older than --older-than to a new JSON Lines file, verify it, then remove them from the SQLite database and leave a checkpoint sealed with the chain key (the first --key-file). The host writing the database must be stopped.", prune: true, stdout, chainKeys);

    private static Command Build(string name, string description, bool prune, TextWriter stdout, Func<IReadOnlyList<string>, List<AuditChainKey>> chainKeys)
    {
        var store = new Argument<string>(prune ? "DATABASE" : "STORE") { Description = prune ? "The SQLite database (AiComplianceSqlite:Path)." : "The SQLite database or the JSON Lines audit file." };
        var olderThan = new Option<string>("--older-than") { Description = "The age: records written before it are exported, as days ('90d'), hours ('36h') or a duration ('30.00:00:00').", Required = true, HelpName = "AGE" };
        var output = new Option<string>("--output") { Description = "The JSON Lines file to write; it must not exist.", Required = true, HelpName = "FILE" };
        var keyFile = new Option<string[]>("--key-file")
        {
            Description = $"A file holding the base64 chain key (the current one first; repeat for retired keys). Without it, the environment variable {Tool.ChainKeyVariable}.",
            HelpName = "KEYFILE",
        };
        var command = new Command(name, description) { store, olderThan, output, keyFile };
        command.SetAction(p =>
        {
            var path = p.GetValue(store)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"'{path}' does not exist.");
            }

            var age = ParseAge(p.GetValue(olderThan)!);
            var destination = p.GetValue(output)!;
            if (File.Exists(destination))
            {
                throw new UsageException($"--output '{destination}' exists already: an export never overwrites a file.");
            }

            var keys = chainKeys(p.GetValue(keyFile) ?? []);
            AuditRetentionResult result;
            try
            {
                if (IsSqlite(path))
                {
                    using var opened = OpenStore(path);
                    var retention = new SqliteAuditRetention(opened, keys[0], keys.Skip(1));
                    result = prune
                        ? retention.ExportAndPruneAsync(age, destination).GetAwaiter().GetResult()
                        : retention.ExportAsync(age, destination).GetAwaiter().GetResult();
                }
                else if (prune)
                {
                    throw new UsageException($"'{path}' is not a SQLite database: a JSON Lines audit file is not pruned in place (its writer appends to it). Use 'audit export', then start a new file.");
                }
                else
                {
                    result = JsonLinesAuditExport.Export(path, DateTimeOffset.UtcNow - age, destination, keys);
                }
            }
            catch (InvalidOperationException ex)
            {
                stdout.WriteLine($"Not exported: {ex.Message}");
                return ExitCodes.RefusedOrBroken;
            }

            stdout.WriteLine(result.ExportedRecords == 0
                ? $"No record of '{path}' is older than {age}: nothing was exported{(prune ? " or removed" : string.Empty)}."
                : $"Exported {result.ExportedRecords} record(s), up to record {result.ThroughSequence}, to '{result.Destination}' (it verifies on its own)." +
                  (result.Pruned ? $" Removed them from '{path}'; a checkpoint of record {result.ThroughSequence} sealed with key {keys[0].Id} takes their place." : string.Empty));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static SqliteStore OpenStore(string path)
    {
        try
        {
            return SqliteStore.Open(path);
        }
        catch (IOException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    private static bool IsSqlite(string path)
    {
        Span<byte> header = stackalloc byte[16];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.SequenceEqual(SqliteHeader);
    }

    private static TimeSpan ParseAge(string text)
    {
        var t = text.Trim();
        var age = t.EndsWith('d') && int.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var days) ? TimeSpan.FromDays(days)
            : t.EndsWith('h') && int.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var hours) ? TimeSpan.FromHours(hours)
            : TimeSpan.TryParseExact(t, "c", CultureInfo.InvariantCulture, out var span) ? span
            : TimeSpan.Zero;
        return age > TimeSpan.Zero
            ? age
            : throw new UsageException($"--older-than '{text}' is not an age: use days ('90d'), hours ('36h') or a duration ('30.00:00:00'), above zero.");
    }
}
