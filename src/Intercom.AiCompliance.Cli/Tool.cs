using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.PostgreSql;
using Intercom.AiCompliance.Sqlite;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Cli;

/// <summary>
/// The <c>aicompliance</c> tool, on System.CommandLine: <c>plan</c>, <c>disclosure</c>, <c>deployments</c> and
/// <c>audit verify</c>, with <c>-h</c>/<c>--help</c> on every command, <c>--version</c>, suggestions for typos and
/// the <c>[suggest]</c> directive that <c>dotnet-suggest</c> uses for tab completion.
/// </summary>
public static class Tool
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The environment variable that may hold the audit chain key (base64) for <c>audit verify</c>.</summary>
    public const string ChainKeyVariable = "AICOMPLIANCE_AUDIT_CHAIN_KEY";

    /// <summary>The environment variable <c>audit verify --postgres</c> reads the connection string from when none follows the option.</summary>
    public const string PostgresVariable = "AICOMPLIANCE_AUDIT_POSTGRES";

    /// <summary>Runs the tool; returns its exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="args">The command line, without the tool's name.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors go: one message each, never a stack trace.</param>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) =>
        Run(args, stdout, stderr, Environment.GetEnvironmentVariable);

    internal static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var root = BuildRoot(stdout, environment);
        var parsed = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        if (parsed.Action is ParseErrorAction parseError)
        {
            if (IsUnder(parsed, "verify") || IsUnder(parsed, "export") || IsUnder(parsed, "prune"))
            {
                // A value the parser did not expect may be a key someone tried to pass on the command line: name
                // the options that were not understood, never echo a bare value.
                WriteRedactedErrors(parsed, stderr);
            }
            else
            {
                parseError.ShowHelp = false;
                parsed.Invoke(invocation);
            }

            stderr.WriteLine($"See '{CommandPath(parsed)} --help'.");
            return ExitCodes.BadInput;
        }

        try
        {
            return parsed.Invoke(invocation);
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"aicompliance: {ex.Message}");
            return ExitCodes.BadInput;
        }
#pragma warning disable CA1031 // The tool's promise: one line naming the failure, never a stack trace.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            stderr.WriteLine($"aicompliance: failed unexpectedly ({ex.GetType().Name}): {ex.Message}");
            return ExitCodes.BadInput;
        }
    }

    private static bool IsUnder(ParseResult parsed, string name)
    {
        for (SymbolResult? r = parsed.CommandResult; r is not null; r = r.Parent)
        {
            if (r is CommandResult c && c.Command.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    private static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (SymbolResult? r = parsed.CommandResult; r is not null; r = r.Parent)
        {
            if (r is CommandResult c && c.Command is not RootCommand)
            {
                names.Insert(0, c.Command.Name);
            }
        }

        return string.Join(' ', ["aicompliance", .. names]);
    }

    private static void WriteRedactedErrors(ParseResult parsed, TextWriter stderr)
    {
        var unmatched = parsed.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        var hidden = 0;
        foreach (var error in parsed.Errors)
        {
            var bareValue = unmatched.FirstOrDefault(t => !t.StartsWith('-') && error.Message.Contains($"'{t}'", StringComparison.Ordinal));
            if (bareValue is not null)
            {
                hidden++;
                continue;
            }

            stderr.WriteLine($"aicompliance: {error.Message}");
        }

        if (hidden > 0)
        {
            stderr.WriteLine($"aicompliance: {hidden} unexpected value(s), not repeated here: a chain key is never accepted on the command line (use --key-file or ${ChainKeyVariable}).");
        }
    }

    private static RootCommand BuildRoot(TextWriter stdout, Func<string, string?> environment)
    {
        var root = new RootCommand("aicompliance: explain routing plans, publish the subprocessor disclosure, list the catalogue's deployments, verify audit trails, list and clear quarantines. " +
            "Reads the host's own configuration (section \"AiCompliance\") with the host's strict validation. " +
            "Exit codes: 0 ok; 1 the request would be refused, or the audit chain is broken or empty; 2 bad input or configuration.");
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                // The default reads the entry assembly, which is a test host under tests: report the tool's own.
                version.Action = new VersionAction(stdout);
            }
        }

        root.Subcommands.Add(PlanCommand(stdout));
        root.Subcommands.Add(DisclosureCommand(stdout));
        root.Subcommands.Add(DeploymentsCommand(stdout));
        root.Subcommands.Add(AuditCommand(stdout, environment));
        root.Subcommands.Add(QuarantineCommands.Build(stdout, ConfigOption, Json));
        return root;
    }

    private sealed class VersionAction(TextWriter stdout) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var assembly = typeof(Tool).Assembly;
            var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString()
                ?? "unknown";
            stdout.WriteLine(version);
            return ExitCodes.Ok;
        }
    }

    // ---- Options shared by several commands ----

    private static Option<string> ConfigOption() => new("--config")
    {
        Description = "The host's configuration file (section \"AiCompliance\"), validated as strictly as at the host's start.",
        HelpName = "FILE",
        DefaultValueFactory = _ => "appsettings.json",
    };

    private static Option<DateTimeOffset?> AtOption() => new("--at")
    {
        Description = "Evaluate contracts as at this instant (ISO 8601, such as 2026-06-01T12:00:00Z); default now.",
        HelpName = "ISO-TIME",
        CustomParser = r =>
        {
            var text = r.Tokens[0].Value;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return at;
            }

            r.AddError($"--at '{text}' is not a date and time: use ISO 8601, such as 2026-06-01T12:00:00Z.");
            return null;
        },
    };

    private static Option<bool> JsonOption(string what) => new("--json") { Description = $"Write {what} as JSON (schema in docs/cli.md)." };

    // ---- plan ----

    private static Command PlanCommand(TextWriter stdout)
    {
        var config = ConfigOption();
        var at = AtOption();
        var workspace = new Option<string>("--workspace") { Description = "A workspace of AiCompliance:Workspaces in the configuration.", HelpName = "ID" };
        var region = RegionOption("--region", "Describe an ad-hoc workspace hosted in this region (default US) instead of --workspace.", many: false);
        var hipaa = new Option<bool>("--hipaa") { Description = "The ad-hoc workspace handles health data (needs a BAA)." };
        var usPinned = new Option<bool>("--us-pinned") { Description = "The ad-hoc workspace is pinned to US processing." };
        var product = Vocabulary.Single<AiProduct>("--product", "The product asking.", required: true);
        var capability = Vocabulary.Single<Capability>("--capability", "What the request needs.", required: true);
        var purpose = Vocabulary.Single<Purpose>("--purpose", "Why the request is made (EU AI Act purposes are rules).", required: true);
        var source = Vocabulary.Many<KnowledgeSource>("--source", "A knowledge source the request grounds on; repeat for more.");
        var json = JsonOption("the plan");

        var command = new Command("plan", "Explain the routing plan for a request: the candidates in failover order and why each other deployment is rejected. Exit 1 when the request would be refused.")
        {
            config, at, workspace, region, hipaa, usPinned, product, capability, purpose, source, json,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(workspace) is not null && (r.GetResult(region) is not null || r.GetResult(hipaa) is not null || r.GetResult(usPinned) is not null))
            {
                r.AddError("--workspace takes the workspace's profile from the configuration: do not combine it with --region, --hipaa or --us-pinned.");
            }
        });
        command.SetAction(p =>
        {
            var loaded = ConfigurationLoader.Load(p.GetValue(config)!);
            var when = p.GetValue(at) ?? DateTimeOffset.UtcNow;
            WorkspaceComplianceProfile profile;
            if (p.GetValue(workspace) is { } workspaceId)
            {
                profile = loaded.Options.Workspaces.FirstOrDefault(w => w.WorkspaceId == workspaceId)
                    ?? throw new UsageException($"--workspace '{workspaceId}' is not in AiCompliance:Workspaces of the configuration: add its profile, or describe it with --region, --hipaa and --us-pinned instead.");
            }
            else
            {
                var hosting = p.GetValue(region) is [var r] ? loaded.RequireKnownRegion(r, "--region") : Region.US;
                profile = new WorkspaceComplianceProfile
                {
                    WorkspaceId = "(ad hoc)",
                    HostingRegion = hosting,
                    HandlesHealthData = p.GetValue(hipaa),
                    PinnedToUsProcessing = p.GetValue(usPinned),
                };
            }

            var request = new AiRequest
            {
                WorkspaceId = profile.WorkspaceId,
                Product = p.GetValue(product),
                Purpose = p.GetValue(purpose),
                Payload = EmptyPayload(p.GetValue(capability)),
                KnowledgeSources = p.GetValue(source) ?? [],
            };
            var plan = loaded.Planner.Plan(request, profile, when);
            if (p.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(PlanJson.From(plan, profile, request), Json));
            }
            else
            {
                WritePlan(stdout, plan, profile, request);
            }

            return plan.IsRoutable ? ExitCodes.Ok : ExitCodes.RefusedOrBroken;
        });
        return command;
    }

    private static Option<Region[]> RegionOption(string name, string description, bool many) => new(name)
    {
        Description = description,
        HelpName = "REGION",
        Arity = many ? ArgumentArity.OneOrMore : ArgumentArity.ExactlyOne,
        CustomParser = r =>
        {
            var regions = new List<Region>();
            foreach (var token in r.Tokens)
            {
                if (Region.TryParse(token.Value, out var region))
                {
                    regions.Add(region);
                }
                else
                {
                    r.AddError($"{name} '{token.Value}' is not a region code: use one such as US, EU or AU{(token.Value.Contains(',', StringComparison.Ordinal) ? $" (one region per {name}; repeat the option for more)" : "")}.");
                }
            }

            return [.. regions];
        },
    };

    private static AiPayload EmptyPayload(Capability capability) => capability switch
    {
        Capability.Chat => new ChatPayload([]),
        Capability.SpeechSynthesis => new SpeechSynthesisPayload(string.Empty),
        Capability.Transcription => new TranscriptionPayload(ReadOnlyMemory<byte>.Empty),
        Capability.Embeddings => new EmbeddingPayload([]),
        Capability.Reranking => new RerankPayload(string.Empty, []),
        _ => throw new UsageException($"--capability '{capability}' has no request shape this tool can describe."),
    };

    private static void WritePlan(TextWriter o, RoutingPlan plan, WorkspaceComplianceProfile profile, AiRequest request)
    {
        o.WriteLine($"Plan for workspace {profile.WorkspaceId}: {request.Product} / {request.Capability} / {request.Purpose}");
        o.WriteLine($"Policy class {plan.Policy}, evaluated at {plan.EvaluatedAt:O}, fingerprint {plan.PolicyFingerprint}");
        foreach (var v in plan.RequestViolations)
        {
            o.WriteLine($"REFUSED  {v.Reason.Code}: {v.Detail}");
        }

        o.WriteLine(plan.IsRoutable ? "Candidates, in failover order:" : "Candidates: none; the request would be refused.");
        for (var i = 0; i < plan.Candidates.Count; i++)
        {
            var d = plan.Candidates[i];
            o.WriteLine($"  {i + 1}. {d.Id} ({d.Provider}, {d.Model}) processes in {string.Join("+", d.ProcessingRegions)}");
        }

        o.WriteLine("Rejected:");
        foreach (var r in plan.Rejections)
        {
            o.WriteLine($"  {r.Deployment.Id} ({r.Deployment.Provider})");
            foreach (var v in r.Violations)
            {
                o.WriteLine($"      {v.Reason.Code}: {v.Detail}");
            }
        }
    }

    // ---- disclosure ----

    private static Command DisclosureCommand(TextWriter stdout)
    {
        var config = ConfigOption();
        var at = AtOption();
        var region = RegionOption("--region", "Only this hosting region; repeat for more (default: every region the configuration knows).", many: true);
        var product = Vocabulary.Many<AiProduct>("--product", "Only this product; repeat for more (default: every product).");
        var command = new Command("disclosure", "Write the subprocessor disclosure (Markdown) that the configured catalogue and contracts support.")
        {
            config, at, region, product,
        };
        command.SetAction(p =>
        {
            var loaded = ConfigurationLoader.Load(p.GetValue(config)!);
            var regions = (p.GetValue(region) ?? []).Select(r => loaded.RequireKnownRegion(r, "--region")).ToArray();
            var products = p.GetValue(product) ?? [];
            stdout.Write(SubprocessorDisclosure.ToMarkdown(loaded.Planner, p.GetValue(at) ?? DateTimeOffset.UtcNow, regions.Length > 0 ? regions : null, products.Length > 0 ? products : null));
            return ExitCodes.Ok;
        });
        return command;
    }

    // ---- deployments ----

    private static Command DeploymentsCommand(TextWriter stdout)
    {
        var config = ConfigOption();
        var at = AtOption();
        var json = JsonOption("the list");
        var command = new Command(
            "deployments",
            "List each deployment of the configured catalogue with its configured state: provider, model, capabilities, processing regions, " +
            "subprocessor lists, and each contract (attestation) in force, not yet in force or expired at --at. " +
            "It does not show circuit-breaker state: circuits live in a running host's memory and this one-shot tool starts no host. " +
            "It shows each deployment's quarantine as the configured store holds it (see 'quarantine list').")
        {
            config, at, json,
        };
        command.SetAction(p =>
        {
            var loaded = ConfigurationLoader.Load(p.GetValue(config)!);
            var (store, where) = QuarantineCommands.TryStoreFor(loaded);
            var quarantines = store is null ? null : QuarantineCommands.Read(store, where);
            var view = DeploymentsJson.From(loaded.Planner.Catalog, p.GetValue(at) ?? DateTimeOffset.UtcNow, quarantines, where);
            if (p.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(view, Json));
            }
            else
            {
                view.WriteText(stdout);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    // ---- audit verify ----

    private static Command AuditCommand(TextWriter stdout, Func<string, string?> environment)
    {
        var file = new Argument<string?>("FILE")
        {
            Description = "The JSON Lines audit file (AiCompliance:Audit:FilePath) or the SQLite database (AiComplianceSqlite:Path); a database is recognised by its header.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var postgres = new Option<string?>("--postgres")
        {
            Description = $"Verify the PostgreSQL store instead of a file: every instance's chain and every anchor. The Npgsql connection string follows, without a password " +
                $"(Npgsql reads it from PGPASSWORD or ~/.pgpass); or give no value and put the whole connection string in the environment variable {PostgresVariable}.",
            HelpName = "CONNECTION",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var keyFile = new Option<string[]>("--key-file")
        {
            Description = $"A file holding the base64 chain key (AiCompliance:Audit:ChainKey); repeat for retired keys. Without it, the environment variable {ChainKeyVariable}. The key itself is never accepted on the command line.",
            HelpName = "KEYFILE",
        };
        var json = JsonOption("the result");
        var verify = new Command("verify", "Verify every record's MAC under the chain key and every link (and, for PostgreSQL, every anchor); exit 1 with the first problem, or when there is no record.")
        {
            file, postgres, keyFile, json,
        };
        verify.SetAction(p =>
        {
            var path = p.GetValue(file);
            var usesPostgres = p.GetResult(postgres) is not null;
            if (usesPostgres == path is not null)
            {
                throw new UsageException(usesPostgres
                    ? "give either FILE or --postgres, not both."
                    : "audit verify needs FILE (a JSON Lines file or a SQLite database) or --postgres.");
            }

            if (usesPostgres)
            {
                var connection = PostgresConnection(p.GetValue(postgres), environment);
                var keysForPostgres = ChainKeys(p.GetValue(keyFile) ?? [], environment);
                FleetVerificationResult fleet;
                try
                {
                    fleet = PostgreSqlAuditVerifier.Verify(connection, keysForPostgres);
                }
                catch (PostgreSqlStoreException ex)
                {
                    throw new UsageException(ex.Message);
                }
                catch (ArgumentException ex)
                {
                    throw new UsageException(ex.Message);
                }

                var ok = fleet.IsValid && fleet.RecordCount > 0;
                stdout.WriteLine(p.GetValue(json)
                    ? JsonSerializer.Serialize(new { isValid = ok, fleet.RecordCount, fleet.AnchorCount, fleet.Chains, fleet.Problems }, Json)
                    : fleet.RecordCount == 0 && fleet.IsValid
                        ? "The PostgreSQL store holds no audit record: nothing to verify, which is not an intact chain (a store that was emptied looks the same)."
                        : fleet.ToString());
                return ok ? ExitCodes.Ok : ExitCodes.RefusedOrBroken;
            }

            if (!File.Exists(path))
            {
                throw new UsageException($"audit file '{path}' does not exist.");
            }

            var keys = ChainKeys(p.GetValue(keyFile) ?? [], environment);
            var isDatabase = IsSqliteDatabase(path!);
            var what = isDatabase ? "SQLite database" : "file";
            AuditVerificationResult result;
            try
            {
                // The verifier reads line by line and refuses a line longer than its bound (AuditChainVerifier),
                // so a file without newlines (/dev/zero) ends as a broken line, not out of memory.
                result = isDatabase ? SqliteAuditVerifier.Verify(path!, keys) : AuditChainVerifier.VerifyFile(path!, keys);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"audit {what} '{path}' cannot be read ({ex.GetType().Name}).");
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                throw new UsageException($"SQLite database '{path}' is not an audit database this package wrote, or cannot be read (SQLite error {ex.SqliteErrorCode}).");
            }

            if (result is { IsValid: true, RecordCount: 0 })
            {
                // An empty trail proves nothing: a truncated file is empty too.
                result = new AuditVerificationResult(false, 0, null, $"the {what} holds no audit record: nothing to verify, which is not an intact chain (a trail that was emptied looks the same).");
            }

            stdout.WriteLine(p.GetValue(json) ? JsonSerializer.Serialize(result, Json)
                : result is { IsValid: false, RecordCount: 0, BrokenAtLine: null } ? $"Audit {what} '{path}' holds no record: nothing to verify, which is not an intact chain (a trail that was emptied looks the same)."
                : result.ToString());
            return result.IsValid ? ExitCodes.Ok : ExitCodes.RefusedOrBroken;
        });

        return new Command("audit", "Audit trail commands.")
        {
            verify,
            AuditRetentionCommands.Export(stdout, files => ChainKeys(files, environment)),
            AuditRetentionCommands.Prune(stdout, files => ChainKeys(files, environment)),
        };
    }

    /// <summary>Whether the file starts with SQLite's header ("SQLite format 3" and a zero byte).</summary>
    private static bool IsSqliteDatabase(string path)
    {
        Span<byte> header = stackalloc byte[16];
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return stream.ReadAtLeast(header, 16, throwOnEndOfStream: false) == 16 && header.SequenceEqual("SQLite format 3\0"u8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"audit file '{path}' cannot be read ({ex.GetType().Name}).");
        }
    }

    /// <summary>
    /// The connection string for --postgres: the option's value, which must not hold a password (the process list and the
    /// shell history would show it), or the environment variable. Never printed.
    /// </summary>
    private static string PostgresConnection(string? value, Func<string, string?> environment)
    {
        if (value is { Length: > 0 })
        {
            Npgsql.NpgsqlConnectionStringBuilder builder;
            try
            {
                builder = new Npgsql.NpgsqlConnectionStringBuilder(value);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException)
            {
                throw new UsageException($"--postgres: the connection string is not valid ({ex.GetType().Name}); it is not repeated here.");
            }

            return builder.Password is { Length: > 0 }
                ? throw new UsageException(
                    $"--postgres: a password is never accepted on the command line, where the process list and the shell history show it. Put the whole connection string in " +
                    $"the environment variable {PostgresVariable} (and give --postgres no value), or leave Password out and let Npgsql read PGPASSWORD or ~/.pgpass.")
                : value;
        }

        return environment(PostgresVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : throw new UsageException($"--postgres needs a connection string: after the option (without a password), or in the environment variable {PostgresVariable}.");
    }

    /// <summary>
    /// The chain keys for verification: each --key-file holds one base64 key (the current or a retired one); without
    /// any, the environment variable. Never on the command line, where the process list and shell history would show
    /// it; never printed.
    /// </summary>
    private static List<AuditChainKey> ChainKeys(IReadOnlyList<string> keyFiles, Func<string, string?> environment)
    {
        var keys = new List<AuditChainKey>();
        foreach (var file in keyFiles)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--key-file '{file}' cannot be read ({ex.GetType().Name}): pass a file holding the base64 chain key.");
            }

            try
            {
                keys.Add(AuditChainKey.FromBase64(text, $"--key-file '{file}'"));
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
        }

        if (keys.Count == 0 && environment(ChainKeyVariable) is { Length: > 0 } fromEnvironment)
        {
            try
            {
                keys.Add(AuditChainKey.FromBase64(fromEnvironment, $"the environment variable {ChainKeyVariable}"));
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
        }

        return keys.Count > 0
            ? keys
            : throw new UsageException(
                $"audit verify needs the chain key the trail was sealed with (AiCompliance:Audit:ChainKey): pass --key-file PATH (a file holding the base64 key; " +
                $"repeat it for retired keys), or set the environment variable {ChainKeyVariable}.");
    }
}

/// <summary>Bad input or configuration: printed as one line, never a stack trace.</summary>
internal sealed class UsageException(string message) : Exception(message);
