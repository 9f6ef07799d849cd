using System.CommandLine;
using System.Text.Json;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Sqlite;

namespace Intercom.AiCompliance.Cli;

/// <summary>
/// <c>aicompliance quarantine list</c> and <c>aicompliance quarantine clear</c>: the configured host's quarantine store,
/// read and changed from outside the host (a running host picks up a clear at its next reload).
/// </summary>
internal static class QuarantineCommands
{
    public static Command Build(TextWriter stdout, Func<Option<string>> configOption, JsonSerializerOptions json)
    {
        var listConfig = configOption();
        var listJson = new Option<bool>("--json") { Description = "Write the list as JSON (schema in docs/cli.md)." };
        var list = new Command("list", "List every deployment the configured store has quarantined, in force or cleared (when, why, the region the provider reported, who cleared it).")
        {
            listConfig, listJson,
        };
        list.SetAction(p =>
        {
            var loaded = ConfigurationLoader.Load(p.GetValue(listConfig)!);
            var (store, where) = StoreFor(loaded);
            var entries = Read(store, where);
            if (p.GetValue(listJson))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new QuarantineListJson(1, where, entries), json));
            }
            else
            {
                stdout.WriteLine($"Quarantine store {where}:");
                if (entries.Count == 0)
                {
                    stdout.WriteLine("  no deployment has been quarantined.");
                }

                foreach (var e in entries)
                {
                    stdout.WriteLine($"  {e.DeploymentId}: {Describe(e)}");
                }
            }

            return ExitCodes.Ok;
        });

        var clearConfig = configOption();
        var id = new Argument<string>("ID") { Description = "The deployment to clear (its id in the catalogue)." };
        var by = new Option<string>("--operator") { Description = "Who clears it (recorded in the store, then in the host's audit trail).", HelpName = "NAME", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why it is safe to send traffic to it again (recorded; write no customer data here).", HelpName = "TEXT", Required = true };
        var clear = new Command("clear", "Clear a deployment's quarantine so traffic may flow to it again; a running host applies it at its next reload (AiCompliance:Quarantine:ReloadInterval). Exit 1 when it is not quarantined.")
        {
            id, clearConfig, by, reason,
        };
        clear.SetAction(p =>
        {
            var loaded = ConfigurationLoader.Load(p.GetValue(clearConfig)!);
            var deploymentId = p.GetValue(id)!;
            var (store, where) = StoreFor(loaded);
            var known = loaded.Planner.Catalog.Deployments.Any(d => string.Equals(d.Id, deploymentId, StringComparison.OrdinalIgnoreCase));
            var entries = Read(store, where);
            if (!known && !entries.Any(e => string.Equals(e.DeploymentId, deploymentId, StringComparison.OrdinalIgnoreCase)))
            {
                throw new UsageException($"deployment '{Printable(deploymentId)}' is neither in the configured catalogue nor in the quarantine store {where}.");
            }

            bool cleared;
            try
            {
                var quarantine = new DeploymentQuarantine(store, audit: null, TimeProvider.System, Timeout.InfiniteTimeSpan);
                cleared = quarantine.ClearAsync(deploymentId, p.GetValue(by)!, p.GetValue(reason)!).AsTask().GetAwaiter().GetResult();
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--operator and --reason must be plain text: {ex.Message}");
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                throw new UsageException($"the quarantine store {where} could not be changed ({ex.GetType().Name}).");
            }

            if (!cleared)
            {
                stdout.WriteLine($"Deployment {deploymentId} is not quarantined in {where}: nothing to clear.");
                return ExitCodes.RefusedOrBroken;
            }

            stdout.WriteLine($"Cleared the quarantine of {deploymentId} in {where}. A running host sends traffic to it again after its next reload.");
            return ExitCodes.Ok;
        });

        return new Command("quarantine", "Deployments quarantined after a served-region incident (or by an operator): list them, clear one.") { list, clear };
    }

    /// <summary>
    /// The store the configured host uses: its SQLite database (<c>AiComplianceSqlite:Path</c>), else
    /// <c>AiCompliance:Quarantine:FilePath</c>, else the file next to the audit file. A host with neither keeps quarantines
    /// in memory, which no other process can read.
    /// </summary>
    public static (IQuarantineStore? Store, string Where) TryStoreFor(LoadedConfiguration loaded)
    {
        if (loaded.SqlitePath is { } sqlite)
        {
            if (!File.Exists(sqlite))
            {
                return (null, $"SQLite '{sqlite}' (no database yet)");
            }

            try
            {
                return (SqliteQuarantineStore.OpenShared(sqlite), $"SQLite '{sqlite}'");
            }
            catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                throw new UsageException(ex is InvalidOperationException ? ex.Message : $"the SQLite database '{sqlite}' cannot be opened ({ex.GetType().Name}).");
            }
        }

        return loaded.Options.Quarantine.EffectiveFilePath(loaded.Options.Audit) is { } path
            ? (new JsonFileQuarantineStore(path), $"'{path}'")
            : (null, "in memory only (no AiCompliance:Audit:FilePath, Quarantine:FilePath or AiComplianceSqlite:Path)");
    }

    private static (IQuarantineStore Store, string Where) StoreFor(LoadedConfiguration loaded)
    {
        var (store, where) = TryStoreFor(loaded);
        return store is null
            ? throw new UsageException($"the configured host keeps its quarantines {where}: no other process can read or clear them. Set AiCompliance:Quarantine:FilePath (or an audit file, or UseSqlite) so they persist.")
            : (store, where);
    }

    /// <summary>An id as typed, with control characters shown as '?', so a message cannot carry escapes to the terminal.</summary>
    private static string Printable(string text) =>
        new(text.Take(100).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c).ToArray());

    public static IReadOnlyList<QuarantineEntry> Read(IQuarantineStore store, string where)
    {
        try
        {
            return store.ReadAllAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new UsageException($"the quarantine store {where} cannot be read ({ex.GetType().Name}){(ex is InvalidDataException ? ": " + ex.Message : "")}.");
        }
    }

    public static string Describe(QuarantineEntry e) =>
        (e.IsActive ? $"QUARANTINED since {e.QuarantinedAt:O}" : $"cleared {e.ClearedAt:O} by {e.ClearedBy} ({e.ClearReason}); was quarantined {e.QuarantinedAt:O}")
        + $", {e.Reason}"
        + (e.ReportedRegion is null ? "" : $": provider reported {e.ReportedRegion} ({e.ReportedJurisdiction}), deployment declares {e.DeclaredRegions}")
        + (e.AuditEventId is null ? "" : $", audit event {e.AuditEventId}")
        + (e.QuarantinedBy == DeploymentQuarantine.RouterActor ? "" : $", by {e.QuarantinedBy}{(e.Note is null ? "" : $" ({e.Note})")}");
}

/// <summary>The JSON shape of <c>aicompliance quarantine list --json</c> (schema version 1).</summary>
internal sealed record QuarantineListJson(int SchemaVersion, string Store, IReadOnlyList<QuarantineEntry> Deployments);
