using System.Globalization;
using System.Text.Json;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Cli;

/// <summary>The <c>aicompliance</c> tool: <c>plan</c>, <c>disclosure</c> and <c>audit verify</c>.</summary>
public static class Tool
{
    private static readonly HashSet<string> Flags = ["json", "hipaa", "us-pinned", "help"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Runs the tool; returns its exit code (see <see cref="ExitCodes"/>).</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) =>
        Run(args, stdout, stderr, Environment.GetEnvironmentVariable);

    /// <summary>The environment variable that may hold the audit chain key (base64) for <c>audit verify</c>.</summary>
    public const string ChainKeyVariable = "AICOMPLIANCE_AUDIT_CHAIN_KEY";

    internal static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            var a = new Arguments(args, Flags);
            if (a.Positional.Count == 0 || a.Flag("help"))
            {
                stdout.Write(Usage);
                return a.Positional.Count == 0 && !a.Flag("help") ? ExitCodes.BadInput : ExitCodes.Ok;
            }

            return a.Positional[0] switch
            {
                "plan" => PlanCommand(a, stdout),
                "disclosure" => DisclosureCommand(a, stdout),
                "audit" when a.Positional.Count >= 2 && a.Positional[1] == "verify" => VerifyCommand(a, stdout, environment),
                _ => throw new UsageException($"Unknown command '{string.Join(' ', a.Positional)}'. Commands: plan, disclosure, audit verify FILE --key-file KEYFILE."),
            };
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"aicompliance: {ex.Message}");
            return ExitCodes.BadInput;
        }
    }

    private static int PlanCommand(Arguments a, TextWriter stdout)
    {
        var (planner, options) = Load(a.Option("config") ?? "appsettings.json");
        var at = At(a);
        var workspaceId = a.Option("workspace");
        WorkspaceComplianceProfile profile;
        if (workspaceId is not null)
        {
            profile = options.Workspaces.FirstOrDefault(w => w.WorkspaceId == workspaceId)
                ?? throw new UsageException($"--workspace '{workspaceId}' is not in AiCompliance:Workspaces of the configuration: add its profile, or describe it with --region, --hipaa and --us-pinned instead.");
        }
        else
        {
            var regionText = a.Option("region") ?? "US";
            if (!Region.TryParse(regionText, out var region))
            {
                throw new UsageException($"--region '{regionText}' is not a region code: use US, EU or AU.");
            }

            profile = new WorkspaceComplianceProfile
            {
                WorkspaceId = "(ad hoc)",
                HostingRegion = region,
                HandlesHealthData = a.Flag("hipaa"),
                PinnedToUsProcessing = a.Flag("us-pinned"),
            };
        }

        var product = a.Enum<AiProduct>("product");
        var capability = a.Enum<Capability>("capability");
        var purpose = a.Enum<Purpose>("purpose");
        var sources = a.Options("source").Select(s => Enum.TryParse<KnowledgeSource>(s, true, out var k) && Enum.IsDefined(k) && k != KnowledgeSource.Unknown
            ? k
            : throw new UsageException($"--source '{s}' is not known: use one of {string.Join(", ", Enum.GetNames<KnowledgeSource>().Skip(1))}.")).ToArray();
        var json = a.Flag("json");
        a.EnsureAllUsed();

        var request = new AiRequest
        {
            WorkspaceId = profile.WorkspaceId,
            Product = product,
            Purpose = purpose,
            Payload = EmptyPayload(capability),
            KnowledgeSources = sources,
        };
        var plan = planner.Plan(request, profile, at);
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(PlanJson.From(plan, profile, request), Json));
        }
        else
        {
            WritePlan(stdout, plan, profile, request);
        }

        return plan.IsRoutable ? ExitCodes.Ok : ExitCodes.RefusedOrBroken;
    }

    private static int DisclosureCommand(Arguments a, TextWriter stdout)
    {
        var (planner, _) = Load(a.Option("config") ?? "appsettings.json");
        var at = At(a);
        var regions = a.Options("region").Select(r => Region.TryParse(r, out var region) ? region : throw new UsageException($"--region '{r}' is not a region code: use US, EU or AU.")).ToArray();
        var products = a.Options("product").Select(p => Enum.TryParse<AiProduct>(p, true, out var v) && Enum.IsDefined(v) && v != AiProduct.Unknown
            ? v
            : throw new UsageException($"--product '{p}' is not known: use one of {string.Join(", ", Enum.GetNames<AiProduct>().Skip(1))}.")).ToArray();
        a.EnsureAllUsed();
        stdout.Write(SubprocessorDisclosure.ToMarkdown(planner, at, regions.Length > 0 ? regions : null, products.Length > 0 ? products : null));
        return ExitCodes.Ok;
    }

    private static int VerifyCommand(Arguments a, TextWriter stdout, Func<string, string?> environment)
    {
        if (a.Positional.Count != 3)
        {
            throw new UsageException("audit verify needs exactly one FILE: aicompliance audit verify audit.jsonl --key-file chain.key");
        }

        var json = a.Flag("json");
        var keyFiles = a.Options("key-file");
        a.EnsureAllUsed();
        var path = a.Positional[2];
        if (!File.Exists(path))
        {
            throw new UsageException($"audit file '{path}' does not exist.");
        }

        var keys = ChainKeys(keyFiles, environment);
        AuditVerificationResult result;
        try
        {
            result = AuditChainVerifier.VerifyFile(path, keys);
        }
        catch (IOException ex)
        {
            throw new UsageException($"audit file '{path}' cannot be read: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UsageException($"audit file '{path}' cannot be read: {ex.Message}");
        }

        stdout.WriteLine(json ? JsonSerializer.Serialize(result, Json) : result.ToString());
        return result.IsValid ? ExitCodes.Ok : ExitCodes.RefusedOrBroken;
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

    private static (RoutingPlanner Planner, AiComplianceOptions Options) Load(string configPath)
    {
        var full = Path.GetFullPath(configPath);
        if (!File.Exists(full))
        {
            throw new UsageException($"configuration file '{configPath}' does not exist: pass --config PATH to the host's appsettings.json.");
        }

        IConfigurationRoot config;
        try
        {
            config = new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build();
        }
        catch (InvalidDataException ex)
        {
            JsonException? json = null;
            for (Exception? e = ex; e is not null && json is null; e = e.InnerException)
            {
                json = e as JsonException;
            }

            var where = json?.LineNumber is { } line ? $" at line {line + 1}, position {json.BytePositionInLine + 1}" : "";
            throw new UsageException($"configuration file '{configPath}' is not valid JSON{where}: fix the syntax there.");
        }

        var services = new ServiceCollection();
        services.AddAiCompliance(config.GetSection(AiComplianceOptions.SectionName));
        using var provider = services.BuildServiceProvider();
        try
        {
            var options = provider.GetRequiredService<IOptions<AiComplianceOptions>>().Value;
            return (provider.GetRequiredService<RoutingPlanner>(), options);
        }
        catch (OptionsValidationException ex)
        {
            throw new UsageException($"configuration '{configPath}' is invalid:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", ex.Failures)}");
        }
        catch (InvalidOperationException ex)
        {
            throw new UsageException($"configuration '{configPath}' could not be bound: {ex.Message}");
        }
    }

    private static DateTimeOffset At(Arguments a)
    {
        var at = a.Option("at");
        if (at is null)
        {
            return DateTimeOffset.UtcNow;
        }

        return DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : throw new UsageException($"--at '{at}' is not a date and time: use ISO 8601, such as 2026-06-01T12:00:00Z.");
    }

    private static AiPayload EmptyPayload(Capability capability) => capability switch
    {
        Capability.Chat => new ChatPayload([]),
        Capability.SpeechSynthesis => new SpeechSynthesisPayload(string.Empty),
        Capability.Transcription => new TranscriptionPayload(ReadOnlyMemory<byte>.Empty),
        Capability.Embeddings => new EmbeddingPayload([]),
        Capability.Reranking => new RerankPayload(string.Empty, []),
        _ => throw new UsageException("--capability is required."),
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

    internal const string Usage = """
        aicompliance: explain routing plans, publish the subprocessor disclosure, verify audit trails.

        Usage:
          aicompliance plan --product P --capability C --purpose X [--workspace ID | --region R [--hipaa] [--us-pinned]]
                            [--source S]... [--at ISO-TIME] [--config appsettings.json] [--json]
          aicompliance disclosure [--region R]... [--product P]... [--at ISO-TIME] [--config appsettings.json]
          aicompliance audit verify FILE (--key-file KEYFILE)... [--json]      (or the key in $AICOMPLIANCE_AUDIT_CHAIN_KEY)

        The configuration file is the host's own (section "AiCompliance"). See docs/cli.md for the JSON schema.
        Exit codes: 0 ok; 1 the request would be refused, or the audit chain is broken; 2 bad input or configuration.

        """;
}
