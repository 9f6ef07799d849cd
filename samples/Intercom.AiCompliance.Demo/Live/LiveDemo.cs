using System.Globalization;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Demo.Live;

/// <summary>
/// The demo's second mode (<c>--live [--config file] [--audit-folder dir]</c>; documented in docs/live-demo.md, never
/// run by CI): every provider package wired from configuration and environment variables, a few fixed requests for
/// US, EU and AU workspaces sent to the real endpoints, a SQLite audit trail verified at the end.
/// </summary>
internal static class LiveDemo
{
    /// <summary>Exit code when nothing can be sent: no provider has credentials, or none of its deployments remains.</summary>
    public const int ExitNotConfigured = 3;

    /// <summary>Exit code for a configuration the demo refuses (a secret in the file, an unknown argument, a missing file).</summary>
    public const int ExitBadConfiguration = 2;

    private const string Question = "In one short sentence: where do I usually change my password in a web app?";
    private const string SpokenLine = "Your password reset link is on its way.";

    /// <summary>Runs the live mode. <paramref name="environment"/> is the process's environment (a test passes its own).</summary>
    public static async Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, string> environment, TextWriter output, CancellationToken cancellationToken = default)
    {
        string? configPath = null;
        string? auditFolder = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--live":
                    break;
                case "--config" when i + 1 < args.Length:
                    configPath = args[++i];
                    break;
                case "--audit-folder" when i + 1 < args.Length:
                    auditFolder = args[++i];
                    break;
                default:
                    await output.WriteLineAsync($"Unknown or incomplete argument '{args[i]}'. Usage: --live [--config live.json] [--audit-folder dir]");
                    return ExitBadConfiguration;
            }
        }

        configPath = Path.GetFullPath(configPath ?? Path.Combine(AppContext.BaseDirectory, "live.json"));
        if (!File.Exists(configPath))
        {
            await output.WriteLineAsync($"Configuration file not found: {configPath}");
            return ExitBadConfiguration;
        }

        // Secrets come from the environment only: a file is copied, committed and shared.
        var fileOnly = new ConfigurationBuilder().AddJsonFile(configPath, optional: false).Build();
        var secretsInFile = LiveProviders.SecretKeys.Where(k => !string.IsNullOrEmpty(fileOnly[k])).ToList();
        if (secretsInFile.Count > 0)
        {
            await output.WriteLineAsync($"{configPath} holds secret key(s) {string.Join(", ", secretsInFile)}: remove them and set them as environment variables (see docs/live-demo.md).");
            return ExitBadConfiguration;
        }

        var config = new ConfigurationBuilder()
            .AddJsonFile(configPath, optional: false)
            .AddInMemoryCollection(LiveProviders.VendorVariables(environment))
            .AddInMemoryCollection(environment.Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)))
            .Build();

        await output.WriteLineAsync("Intercom.AiCompliance live demo: real provider endpoints, real requests, real cost (a few short calls per configured provider).");
        await output.WriteLineAsync($"Configuration: {configPath} and environment variables.");
        var providers = LiveProviders.Detect(config, environment);
        foreach (var p in providers)
        {
            await output.WriteLineAsync(p.IsConfigured
                ? $"  {p.Name}: configured; its deployments are registered."
                : $"  {p.Name}: SKIPPED, not configured: set {string.Join("; ", p.Missing)}.");
        }

        if (!providers.Any(p => p.IsConfigured))
        {
            await output.WriteLineAsync("No provider has credentials, so nothing is sent anywhere. Set at least one of:");
            foreach (var p in providers)
            {
                await output.WriteLineAsync($"  {p.Name}: {string.Join("; ", p.Missing)}");
            }

            await output.WriteLineAsync("(docs/live-demo.md lists every setting; the offline demo runs without --live.)");
            return ExitNotConfigured;
        }

        auditFolder = Path.GetFullPath(auditFolder ?? config["LiveDemo:AuditFolder"] ?? Path.Combine(Path.GetTempPath(), "aicompliance-live-demo"));
        Directory.CreateDirectory(auditFolder);
        var stamp = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}";
        var auditPath = Path.Combine(auditFolder, $"audit-{stamp}.db");
        var keyPath = Path.Combine(auditFolder, $"audit-{stamp}.key");
        var chainKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await File.WriteAllTextAsync(keyPath, chainKey, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var skipped = new List<string>();
        var kept = new List<ProviderDeployment>();
        var configured = providers.Where(p => p.IsConfigured).Select(p => p.Kind).ToHashSet();
        var endpoints = config.GetSection("LiveDemo:Endpoints");

        var hostBuilder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        hostBuilder.Configuration.AddConfiguration(config);
        var services = hostBuilder.Services;
        var builder = services.AddAiCompliance(config.GetSection(AiComplianceOptions.SectionName))
            .UseSqlite(auditPath);
        foreach (var p in providers.Where(p => p.IsConfigured))
        {
            p.Register(builder, config);
        }

        // Only the deployments of configured providers enter the catalogue; the rest are listed with the reason.
        services.PostConfigure<AiComplianceOptions>(o =>
        {
            o.Audit.ChainKey = chainKey;
            var all = (o.Catalog.UseDefault ? DefaultCatalog.Deployments() : []).Concat(o.Catalog.Deployments).ToList();
            kept.Clear();
            skipped.Clear();
            foreach (var d in all)
            {
                var deployment = endpoints[d.Id] is { Length: > 0 } endpoint ? d with { Endpoint = endpoint } : d;
                if (!configured.Contains(deployment.Provider))
                {
                    skipped.Add(deployment.Provider == ProviderKind.FirstParty
                        ? $"{deployment.Id}: first-party model inside the platform's network; no client for it here."
                        : $"{deployment.Id}: {deployment.Provider} has no credentials (see above).");
                }
                else if (deployment.Endpoint.Contains("contoso-", StringComparison.OrdinalIgnoreCase))
                {
                    skipped.Add($"{deployment.Id}: its endpoint is the default catalogue's placeholder; set LiveDemo:Endpoints:{deployment.Id} to your resource.");
                }
                else
                {
                    kept.Add(deployment);
                }
            }

            var keptIds = kept.Select(d => d.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var id in o.Catalog.Attestations.Keys.Where(id => !keptIds.Contains(id)).ToList())
            {
                skipped.Add($"{id}: its attestations are set aside with it (the deployment is not registered).");
                o.Catalog.Attestations.Remove(id);
            }

            o.Catalog.UseDefault = false;
            o.Catalog.Deployments = [.. kept];
        });

        using var host = hostBuilder.Build();
        var provider = host.Services;
        AiComplianceOptions options;
        try
        {
            options = provider.GetRequiredService<IOptions<AiComplianceOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            // The library's messages name keys, never values.
            await output.WriteLineAsync($"The configuration is invalid, nothing was sent: {e.Message}");
            return ExitBadConfiguration;
        }
        foreach (var s in skipped)
        {
            await output.WriteLineAsync($"  skipped {s}");
        }

        if (kept.Count == 0)
        {
            await output.WriteLineAsync("No deployment remains to send to, so nothing is sent anywhere.");
            return ExitNotConfigured;
        }

        foreach (var d in kept)
        {
            var confirmed = options.Catalog.Attestations.TryGetValue(d.Id, out var a) && a.Count > 0
                ? string.Join(", ", a.Select(x => x.Kind).Distinct())
                : "none confirmed: every plan rejects it until AiCompliance:Catalog:Attestations:" + d.Id + " lists your contracts";
            await output.WriteLineAsync($"  registered {d.Id} ({d.Provider}, {string.Join("/", d.ProcessingRegions)}, {d.Endpoint}); contracts: {confirmed}");
        }

        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException or CatalogValidationException)
        {
            // The library's messages name keys, never values.
            await output.WriteLineAsync($"The host did not start: {e.Message}");
            return ExitBadConfiguration;
        }

        var router = provider.GetRequiredService<IProviderRouter>();
        var failures = 0;
        var served = 0;
        var refused = 0;
        var n = 0;
        foreach (var workspace in options.Workspaces)
        {
            foreach (var (label, request, streamed) in Requests(workspace.WorkspaceId))
            {
                n++;
                var req = request with { CorrelationId = $"live-{n:000}" };
                var plan = router.Plan(req, workspace);
                await output.WriteLineAsync();
                await output.WriteLineAsync($"[{workspace.WorkspaceId} / {workspace.HostingRegion}] {label}");
                await output.WriteLineAsync(plan.IsRoutable
                    ? $"  plan: {string.Join(" > ", plan.Candidates.Select(c => c.Id))}"
                    : "  plan: no route" + (plan.RequestViolations.Count > 0 ? $" (request refused: {string.Join("; ", plan.RequestViolations)})" : string.Empty));
                foreach (var (reason, ids) in plan.RejectionsByReason)
                {
                    await output.WriteLineAsync($"    rejected {reason}: {string.Join(", ", ids)}");
                }

                try
                {
                    if (streamed)
                    {
                        var updates = 0;
                        var characters = 0;
                        await foreach (var update in router.SendStreamingAsync(req, cancellationToken))
                        {
                            updates++;
                            characters += update.Text.Length;
                        }

                        await output.WriteLineAsync($"  streamed {updates} update(s), {characters} characters in all");
                        served++;
                        continue;
                    }

                    var response = await router.SendAsync(req, cancellationToken);
                    served++;
                    await output.WriteLineAsync($"  served by {response.ServedBy.Id} ({string.Join("/", response.ProcessedIn)}) after {response.Attempts.Count} attempt(s): {Describe(response.Output)}; audit {response.AuditEventId}");
                    if (!InsideBoundary(response.ServedBy, workspace))
                    {
                        failures++;
                        await output.WriteLineAsync("  OUTSIDE the workspace's boundary.");
                    }
                }
                catch (AiRoutingException e)
                {
                    // Refusals are expected where no compliant route exists; a failure of a planned route is counted.
                    if (e is AllCandidatesFailedException or ProviderRefusalException or StreamInterruptedException)
                    {
                        failures++;
                    }
                    else
                    {
                        refused++;
                    }

                    await output.WriteLineAsync($"  {e.GetType().Name} ({e.Reason})");
                    var attempts = e switch
                    {
                        AllCandidatesFailedException f => f.Attempts,
                        ProviderRefusalException r => r.Attempts,
                        _ => [],
                    };
                    foreach (var at in attempts)
                    {
                        await output.WriteLineAsync($"    attempt {at.DeploymentId}: {at.Outcome} {at.Failure} {at.StatusCode}");
                    }
                }
            }
        }

        await host.StopAsync(cancellationToken);
        await provider.GetRequiredService<AuditTrail>().DisposeAsync();
        var verification = Sqlite.SqliteAuditVerifier.Verify(auditPath, AuditChainKey.FromBase64(chainKey));
        var chainOk = verification.IsValid && verification.IntentsWithoutOutcome.Count == 0;
        await output.WriteLineAsync();
        await output.WriteLineAsync($"{n} request(s): {served} served, {refused} refused before anything was sent, {failures} failed at the provider.");
        if (served == 0 && failures == 0)
        {
            await output.WriteLineAsync("Nothing was served: record the contracts you have confirmed under AiCompliance:Catalog:Attestations (docs/live-demo.md).");
        }

        await output.WriteLineAsync($"Audit trail (SQLite): {auditPath}");
        await output.WriteLineAsync(chainOk
            ? "  MAC chain verified under the run's chain key: intact, every intent followed by its outcome."
            : $"  BROKEN: {verification}");
        await output.WriteLineAsync($"  Verify it yourself: dotnet run --project src/Intercom.AiCompliance.Cli -- audit verify {auditPath} --key-file {keyPath}");
        return chainOk && failures == 0 ? 0 : 1;
    }

    /// <summary>The demo's fixed requests for one workspace; nothing here comes from a user.</summary>
    private static IEnumerable<(string Label, AiRequest Request, bool Streamed)> Requests(string workspaceId)
    {
        AiRequest R(AiProduct product, Purpose purpose, AiPayload payload, params KnowledgeSource[] sources) => new()
        {
            WorkspaceId = workspaceId,
            Product = product,
            Purpose = purpose,
            Payload = payload,
            KnowledgeSources = sources,
        };

        yield return ("Fin answers (chat)", R(AiProduct.FinAiAgent, Purpose.AnsweringEndUser,
            new ChatPayload([new ChatMessage(ChatRole.User, Question)]), KnowledgeSource.Articles), false);
        yield return ("Fin answers (chat, streamed)", R(AiProduct.FinAiAgent, Purpose.AnsweringEndUser,
            new ChatPayload([new ChatMessage(ChatRole.User, Question)]), KnowledgeSource.Articles), true);
        yield return ("Fin retrieval (embeddings)", R(AiProduct.FinAiAgent, Purpose.RetrievingKnowledge,
            new EmbeddingPayload([Question]), KnowledgeSource.Articles), false);
        yield return ("Fin Voice (speech synthesis)", R(AiProduct.FinVoice, Purpose.AnsweringEndUser,
            new SpeechSynthesisPayload(SpokenLine), KnowledgeSource.Articles), false);
        yield return ("Emotion of a teammate (always refused, nothing sent)", R(AiProduct.CxScore, Purpose.RecognisingEmotionAtWork,
            new ChatPayload([new ChatMessage(ChatRole.User, Question)])), false);
    }

    /// <summary>What came back, by size only: the demo prints no answer text.</summary>
    private static string Describe(AiOutput output)
    {
        var usage = output.Usage is { } u ? $", {u.InputTokenCount?.ToString(CultureInfo.InvariantCulture) ?? "?"} in / {u.OutputTokenCount?.ToString(CultureInfo.InvariantCulture) ?? "?"} out tokens" : string.Empty;
        return output switch
        {
            ChatOutput c => $"answer of {c.Response.Text.Length} characters, finish {c.Response.FinishReason}{usage}",
            EmbeddingOutput e => $"{e.Vectors.Count} vector(s) of {(e.Vectors.Count > 0 ? e.Vectors[0].Length : 0)} dimensions{usage}",
            SpeechOutput s => $"{s.Audio.Length} bytes of {s.MediaType}{usage}",
            _ => output.GetType().Name + usage,
        };
    }

    private static bool InsideBoundary(ProviderDeployment served, WorkspaceComplianceProfile profile) => Traffic.InsideBoundary(served, profile);
}
