using System.Reflection;
using System.Text.Json;
using FsProperty = FsCheck.NUnit.PropertyAttribute;
using Intercom.AiCompliance.Cli;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Cli;

public partial class ToolTests
{
    private string _dir = null!;
    private string _config = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"aicompliance-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        _config = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(_config, """
            {
              "AiCompliance": {
                "Catalog": { "UseDefault": true, "Attestations": CONTRACTS },
                "Workspaces": [
                  { "WorkspaceId": "eu-ws", "HostingRegion": "EU", "ContractType": "Mssa", "HandlesHealthData": false, "AllowedKnowledgeSources": { "FinAiAgent": [ "Articles" ] } },
                  { "WorkspaceId": "clinic", "HostingRegion": "US", "ContractType": "Standard", "HandlesHealthData": true }
                ]
              }
            }
            """.Replace("CONTRACTS", FictionalContracts.Json(), StringComparison.Ordinal));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Tool.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private JsonElement PlanJson(params string[] extra)
    {
        var (code, output, _) = Run(["plan", "--config", _config, "--at", "2026-06-01T00:00:00Z", "--json", .. extra]);
        code.Should().BeOneOf(ExitCodes.Ok, ExitCodes.RefusedOrBroken);
        return JsonDocument.Parse(output).RootElement;
    }

    [Test]
    public void Plan_EuWorkspaceChat_JsonListsOnlyEuCandidatesAndRejectsVertexAnthropicElevenLabs()
    {
        var json = PlanJson("--workspace", "eu-ws", "--product", "FinAiAgent", "--capability", "Chat", "--purpose", "AnsweringEndUser");
        json.GetProperty("schemaVersion").GetInt32().Should().Be(1);
        json.GetProperty("routable").GetBoolean().Should().BeTrue();
        json.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("regions")[0].GetString()).Should().OnlyContain(r => r == "EU");
        var rejected = json.GetProperty("rejections").EnumerateArray().Select(r => r.GetProperty("provider").GetString()).ToList();
        rejected.Should().Contain(["GoogleVertex", "Anthropic", "ElevenLabs"]);
        json.GetProperty("rejections").EnumerateArray().Should().OnlyContain(r => r.GetProperty("reasons").GetArrayLength() > 0);
    }

    [Test]
    public void Plan_EuSpeechSynthesis_EmptyPlanExitsOneAndNamesEveryProvider()
    {
        var (code, output, _) = Run("plan", "--config", _config, "--at", "2026-06-01T00:00:00Z", "--json", "--region", "EU",
            "--product", "FinVoice", "--capability", "SpeechSynthesis", "--purpose", "AnsweringEndUser");
        code.Should().Be(ExitCodes.RefusedOrBroken);
        var json = JsonDocument.Parse(output).RootElement;
        json.GetProperty("candidates").GetArrayLength().Should().Be(0);
        json.GetProperty("rejections").EnumerateArray().Select(r => r.GetProperty("provider").GetString()).Distinct().Should().HaveCount(7);
    }

    [Test]
    public void Plan_HipaaWorkspaceSpeech_NeverListsElevenLabs()
    {
        var json = PlanJson("--workspace", "clinic", "--product", "FinVoice", "--capability", "SpeechSynthesis", "--purpose", "AnsweringEndUser");
        json.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("provider").GetString()).Should().NotContain("ElevenLabs");
        json.GetProperty("rejections").EnumerateArray().Single(r => r.GetProperty("provider").GetString() == "ElevenLabs")
            .GetProperty("reasons").EnumerateArray().Select(v => v.GetProperty("reason").GetString()).Should().Contain("no-business-associate-agreement");
    }

    [Test]
    public void Plan_WorkerEvaluation_RefusedWithReason()
    {
        var json = PlanJson("--region", "US", "--product", "CxScore", "--capability", "Chat", "--purpose", "EvaluatingIndividualWorker");
        json.GetProperty("routable").GetBoolean().Should().BeFalse();
        json.GetProperty("requestViolations")[0].GetProperty("reason").GetString().Should().Be("purpose-not-cleared");
    }

    [Test]
    public void Disclosure_Eu_ListsOnlyEuProvidersAndSaysSpeechIsUnavailable()
    {
        var (code, output, _) = Run("disclosure", "--config", _config, "--region", "EU", "--at", "2026-06-01T00:00:00Z");
        code.Should().Be(ExitCodes.Ok);
        output.Should().Contain("## EU regional hosting").And.Contain("openai-eu").And.Contain("azure-openai-eu").And.Contain("bedrock-claude-eu");
        output.Should().NotContain("elevenlabs").And.NotContain("vertex").And.NotContain("anthropic-direct");
        output.Should().MatchRegex("Text to speech \\| _none: not available");
    }

    [Test]
    public void Disclosure_Us_ListsEveryGlobalProviderWithContracts()
    {
        var (code, output, _) = Run("disclosure", "--config", _config, "--region", "US", "--at", "2026-06-01T00:00:00Z");
        code.Should().Be(ExitCodes.Ok);
        output.Should().Contain("ElevenLabs, Inc.").And.Contain("Google LLC (Vertex AI)").And.Contain("Anthropic, PBC");
        output.Should().Contain("ZDR: FICTIONAL-TEST-elevenlabs-us-ZeroDataRetention (until 2027-12-31)");
    }

    [Test]
    public void Disclosure_DefaultCatalogueWithoutReferences_SaysNothingIsConfirmed()
    {
        File.WriteAllText(_config, """{ "AiCompliance": { "Catalog": { "UseDefault": true } } }""");
        var (code, output, _) = Run("disclosure", "--config", _config, "--region", "US", "--at", "2026-06-01T00:00:00Z");
        code.Should().Be(ExitCodes.Ok);
        output.Should().Contain("Nothing is confirmed").And.NotContain("| openai-global |");
    }

    [TestCase("""{ "AiCompliance": { "Catalog": { "Deployments": [ { "Id": "x", "Provider": "OpenAI", "Model": "m", "Capabilities": [ "Chat" ], "ProcessingRegions": [ "EU", "us-east-1" ], "Endpoint": "https://eu.api.openai.com", "SubprocessorLists": [ "global", "eu" ] } ] } } }""",
        "AiCompliance:Catalog:Deployments:0:ProcessingRegions:1")]
    [TestCase("""{ "AiCompliance": { "Audit": { "FilePth": "/tmp/a.jsonl" } } }""", "AiCompliance:Audit:FilePth")]
    [TestCase("""{ "AiCompliance": { "Workspaces": [ { "WorkspaceId": "w", "ContractType": "Standard", "HandlesHealthData": false } ] } }""", "AiCompliance:Workspaces:0:HostingRegion")]
    public void StrictConfiguration_ExitTwoNamingTheKey(string json, string key)
    {
        File.WriteAllText(_config, json);
        var (code, _, err) = Run("disclosure", "--config", _config);
        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain(key).And.NotContain("   at ");
    }

    private async Task<(string Path, string KeyFile, string KeyBase64)> WriteAuditAsync()
    {
        var path = Path.Combine(_dir, "audit.jsonl");
        await using (var f = new RouterFixture([Deployments.Make("a")], sink: new Intercom.AiCompliance.Audit.JsonLinesAuditSink(path, false)))
        {
            for (var i = 0; i < 3; i++)
            {
                await f.Router.SendAsync(Requests.Make());
            }
        }

        // RouterFixture seals with AuditKeys.Chain: bytes 1..32.
        var base64 = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var keyFile = Path.Combine(_dir, "chain.key");
        File.WriteAllText(keyFile, base64 + "\n");
        return (path, keyFile, base64);
    }

    /// <summary>A SQLite audit database: <paramref name="old"/> records 100 days old, then <paramref name="recent"/> from now.</summary>
    private async Task<string> WriteSqliteAuditAsync(int old, int recent)
    {
        var db = Path.Combine(_dir, "audit.db");
        var now = DateTimeOffset.UtcNow;
        await using var trail = new Intercom.AiCompliance.Audit.AuditTrail(Intercom.AiCompliance.Sqlite.SqliteAuditSink.Open(db), AuditKeys.Options());
        for (var i = 1; i <= old + recent; i++)
        {
            await trail.AppendAsync(AuditRecords.Make(i) with { Timestamp = i <= old ? now.AddDays(-100).AddSeconds(i) : now });
        }

        return db;
    }

    [Test]
    public async Task AuditPrune_SqliteDatabase_ExportVerifiesAloneAndTheDatabaseVerifiesFromItsCheckpoint()
    {
        var (_, keyFile, _) = await WriteAuditAsync();
        var db = await WriteSqliteAuditAsync(old: 6, recent: 3);
        var export = Path.Combine(_dir, "old.jsonl");

        var (code, output, error) = Run("audit", "prune", db, "--older-than", "90d", "--output", export, "--key-file", keyFile);

        code.Should().Be(ExitCodes.Ok, error);
        output.Should().Contain("Exported 6 record(s)").And.Contain("checkpoint of record 6");
        Run("audit", "verify", export, "--key-file", keyFile).Should().Match<(int Code, string Out, string Err)>(r => r.Code == ExitCodes.Ok && r.Out.Contains("intact: 6 record(s)"));
        Intercom.AiCompliance.Sqlite.SqliteAuditVerifier.Verify(db, AuditKeys.Chain)
            .Should().Match<Intercom.AiCompliance.Audit.AuditVerificationResult>(r => r.IsValid && r.RecordCount == 3 && r.CheckpointSequence == 6);
        Run("audit", "prune", db, "--older-than", "90d", "--output", Path.Combine(_dir, "again.jsonl"), "--key-file", keyFile)
            .Should().Match<(int Code, string Out, string Err)>(r => r.Code == ExitCodes.Ok && r.Out.Contains("nothing was exported"));
    }

    [Test]
    public async Task AuditExport_SqliteAndJsonLines_WriteFilesThatVerifyAndRemoveNothing()
    {
        var (jsonl, keyFile, _) = await WriteAuditAsync();
        var db = await WriteSqliteAuditAsync(old: 4, recent: 2);

        Run("audit", "export", db, "--older-than", "30.00:00:00", "--output", Path.Combine(_dir, "db.jsonl"), "--key-file", keyFile).Code.Should().Be(ExitCodes.Ok);
        AuditChainVerifier_VerifyFile(Path.Combine(_dir, "db.jsonl")).RecordCount.Should().Be(4);
        Intercom.AiCompliance.Sqlite.SqliteAuditVerifier.Verify(db, AuditKeys.Chain).RecordCount.Should().Be(6, "export removes nothing");

        // The JSON Lines file was written on the test clock (June 2026): all of it is older than a day, and stays in place.
        var before = File.ReadAllBytes(jsonl);
        Run("audit", "export", jsonl, "--older-than", "1d", "--output", Path.Combine(_dir, "copy.jsonl"), "--key-file", keyFile)
            .Should().Match<(int Code, string Out, string Err)>(r => r.Code == ExitCodes.Ok && r.Out.Contains("Exported 6 record(s)"));
        AuditChainVerifier_VerifyFile(Path.Combine(_dir, "copy.jsonl")).Should().Match<Intercom.AiCompliance.Audit.AuditVerificationResult>(r => r.IsValid && r.RecordCount == 6);
        File.ReadAllBytes(jsonl).Should().Equal(before, "export never changes the source");
        Run("audit", "export", db, "--older-than", "365d", "--output", Path.Combine(_dir, "none.jsonl"), "--key-file", keyFile)
            .Should().Match<(int Code, string Out, string Err)>(r => r.Code == ExitCodes.Ok && r.Out.Contains("nothing was exported"));
        File.Exists(Path.Combine(_dir, "none.jsonl")).Should().BeFalse();
    }

    [Test]
    public async Task AuditPruneAndExport_BadInput_ExitTwoNamingTheProblem()
    {
        var (jsonl, keyFile, _) = await WriteAuditAsync();
        var db = await WriteSqliteAuditAsync(old: 2, recent: 1);
        var existing = Path.Combine(_dir, "exists.jsonl");
        File.WriteAllText(existing, string.Empty);

        Run("audit", "prune", jsonl, "--older-than", "1d", "--output", Path.Combine(_dir, "x.jsonl"), "--key-file", keyFile)
            .Should().Match<(int Code, string Out, string Err)>(r => r.Code == ExitCodes.BadInput && r.Err.Contains("not pruned in place"));
        Run("audit", "export", db, "--older-than", "soon", "--output", Path.Combine(_dir, "x.jsonl"), "--key-file", keyFile)
            .Should().Match<(int Code, string Out, string Err)>(r => r.Code == ExitCodes.BadInput && r.Err.Contains("--older-than"));
        Run("audit", "export", db, "--older-than", "1d", "--output", existing, "--key-file", keyFile)
            .Should().Match<(int Code, string Out, string Err)>(r => r.Code == ExitCodes.BadInput && r.Err.Contains("never overwrites"));
        using (Intercom.AiCompliance.Sqlite.SqliteStore.Open(db))
        {
            Run("audit", "prune", db, "--older-than", "1d", "--output", Path.Combine(_dir, "x.jsonl"), "--key-file", keyFile)
                .Should().Match<(int Code, string Out, string Err)>(r => r.Code == ExitCodes.BadInput && r.Err.Contains("already being written"));
        }
    }

    [Test]
    public async Task AuditVerify_IntentWithoutOutcome_IsReportedWithItsEventId()
    {
        var (path, keyFile, _) = await WriteAuditAsync();
        await using (var trail = new Intercom.AiCompliance.Audit.AuditTrail(new Intercom.AiCompliance.Audit.JsonLinesAuditSink(path, false), AuditKeys.Options()))
        {
            await trail.AppendAsync(AuditRecords.Make(9) with { Outcome = Intercom.AiCompliance.Audit.AuditOutcome.Intent, EventId = "crashed-request" });
        }

        var (code, output, _) = Run("audit", "verify", path, "--key-file", keyFile);

        code.Should().Be(ExitCodes.Ok, "the chain itself is intact");
        output.Should().Contain("Intent without outcome: event crashed-request (record 7, line 7)");
        Run("audit", "verify", path, "--key-file", keyFile, "--json").Out.Should().Contain("\"intentsWithoutOutcome\"").And.Contain("crashed-request");
    }

    private static Intercom.AiCompliance.Audit.AuditVerificationResult AuditChainVerifier_VerifyFile(string path) =>
        Intercom.AiCompliance.Audit.AuditChainVerifier.VerifyFile(path, AuditKeys.Chain);

    [Test]
    public async Task AuditVerify_IntactThenTampered_ExitCodesZeroThenOneNamingTheLine()
    {
        var (path, keyFile, _) = await WriteAuditAsync();

        Run("audit", "verify", path, "--key-file", keyFile).Code.Should().Be(ExitCodes.Ok);
        var lines = File.ReadAllLines(path);
        lines[1] = lines[1].Replace("\"servedBy\":\"a\"", "\"servedBy\":\"b\"", StringComparison.Ordinal);
        File.WriteAllLines(path, lines);

        var (code, output, _) = Run("audit", "verify", path, "--key-file", keyFile);
        code.Should().Be(ExitCodes.RefusedOrBroken);
        output.Should().Contain("line 2");
    }

    [Test]
    public async Task AuditVerify_WithoutAKey_ExitsTwoSayingHowToPassIt()
    {
        var (path, _, _) = await WriteAuditAsync();
        var stderr = new StringWriter();
        var code = Tool.Run(["audit", "verify", path], TextWriter.Null, stderr, _ => null);
        code.Should().Be(ExitCodes.BadInput);
        stderr.ToString().Should().Contain("--key-file").And.Contain(Tool.ChainKeyVariable).And.NotContain("   at ");
    }

    [Test]
    public async Task AuditVerify_WrongKey_ExitsOneAndNeverPrintsAKey()
    {
        var (path, _, realKey) = await WriteAuditAsync();
        var wrong = Convert.ToBase64String(new byte[32]);
        var wrongFile = Path.Combine(_dir, "wrong.key");
        File.WriteAllText(wrongFile, wrong);

        var (code, output, err) = Run("audit", "verify", path, "--key-file", wrongFile, "--json");

        code.Should().Be(ExitCodes.RefusedOrBroken);
        output.Should().Contain("not among the keys given");
        (output + err).Should().NotContain(wrong).And.NotContain(realKey);
    }

    [Test]
    public async Task AuditVerify_KeyFromTheEnvironment_Verifies()
    {
        var (path, _, base64) = await WriteAuditAsync();
        var stdout = new StringWriter();
        var code = Tool.Run(["audit", "verify", path], stdout, new StringWriter(), name => name == Tool.ChainKeyVariable ? base64 : null);
        code.Should().Be(ExitCodes.Ok);
        stdout.ToString().Should().Contain("intact: 6 record(s)", "three requests, each an intent and an outcome").And.NotContain(base64);
    }

    [Test]
    public async Task AuditVerify_KeyFileNotBase64_ExitsTwoNamingTheFileNotItsContent()
    {
        var (path, _, _) = await WriteAuditAsync();
        var bad = Path.Combine(_dir, "bad.key");
        File.WriteAllText(bad, "not-a-key-but-secret-text!");
        var (code, _, err) = Run("audit", "verify", path, "--key-file", bad);
        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("bad.key").And.NotContain("secret-text");
    }

    [Test]
    public void MissingFiles_ExitTwoWithoutStackTrace()
    {
        var verify = Run("audit", "verify", Path.Combine(_dir, "missing.jsonl"), "--key-file", Path.Combine(_dir, "missing.key"));
        verify.Code.Should().Be(ExitCodes.BadInput);
        verify.Err.Should().Contain("does not exist").And.NotContain("   at ");

        var plan = Run("plan", "--config", Path.Combine(_dir, "missing.json"), "--product", "FinAiAgent", "--capability", "Chat", "--purpose", "AnsweringEndUser");
        plan.Code.Should().Be(ExitCodes.BadInput);
        plan.Err.Should().Contain("missing.json");
    }

    [Test]
    public void MalformedJson_ExitTwoNamingTheLine()
    {
        File.WriteAllText(_config, "{\n  \"AiCompliance\": {\n    \"Catalog\": { \"UseDefault\": true,, }\n}\n");
        var (code, _, err) = Run("disclosure", "--config", _config);
        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("not valid JSON").And.Contain("line").And.NotContain("   at ");
    }

    [Test]
    public void InvalidConfiguration_ExitTwoNamingTheKey()
    {
        File.WriteAllText(_config, """{ "AiCompliance": { "Router": { "Retry": { "MaxRetryAttempts": 99 } } } }""");
        var (code, _, err) = Run("disclosure", "--config", _config);
        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("AiCompliance:Router:Retry:MaxRetryAttempts");
    }

    [Test]
    public void UnknownWorkspaceOrValue_ExitTwoWithAFix()
    {
        var ws = Run("plan", "--config", _config, "--workspace", "nobody", "--product", "FinAiAgent", "--capability", "Chat", "--purpose", "AnsweringEndUser");
        ws.Code.Should().Be(ExitCodes.BadInput);
        ws.Err.Should().Contain("'nobody'").And.Contain("AiCompliance:Workspaces");

        var bad = Run("plan", "--config", _config, "--region", "EU", "--product", "Fin", "--capability", "Chat", "--purpose", "AnsweringEndUser");
        bad.Code.Should().Be(ExitCodes.BadInput);
        bad.Err.Should().Contain("--product 'Fin'").And.Contain("FinAiAgent");

        Run("plan", "--config", _config, "--bogus", "1").Code.Should().Be(ExitCodes.BadInput);
        Run("frobnicate").Code.Should().Be(ExitCodes.BadInput);
    }

    // ---- The conventional command line (System.CommandLine) ----

    [TestCase("-h")]
    [TestCase("--help", "plan")]
    [TestCase("-h", "plan")]
    [TestCase("--help", "disclosure")]
    [TestCase("-h", "deployments")]
    [TestCase("-h", "audit")]
    [TestCase("--help", "audit", "verify")]
    public void Help_OnEveryCommand_ExitsZeroWithUsage(string help, params string[] command)
    {
        var (code, output, err) = Run([.. command, help]);
        code.Should().Be(ExitCodes.Ok, err);
        // The usage line starts with the executable's name (aicompliance when installed, the test host here).
        output.Should().Contain("Usage:").And.MatchRegex($"Usage:\\s+\\S+{string.Concat(command.Select(c => " " + c))}( |\\r?\\n)");
    }

    [Test]
    public void Version_PrintsTheToolsOwnVersion()
    {
        var (code, output, _) = Run("--version");
        code.Should().Be(ExitCodes.Ok);
        var expected = typeof(Tool).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        output.Trim().Should().Be(expected);
    }

    [Test]
    public void Typo_ExitsTwoSuggestingTheCommand()
    {
        var (code, output, err) = Run("plann");
        code.Should().Be(ExitCodes.BadInput);
        (output + err).Should().Contain("Did you mean").And.Contain("plan").And.NotContain("   at ");
    }

    [Test]
    public void Typo_InASubcommand_ExitsTwoSuggestingIt()
    {
        var (code, output, err) = Run("audit", "verfy", "audit.jsonl");
        code.Should().Be(ExitCodes.BadInput);
        (output + err).Should().Contain("Did you mean").And.Contain("verify");
    }

    [Test]
    public void SuggestDirective_CompletesCommandNamesForDotnetSuggest()
    {
        var (code, output, _) = Run("[suggest:3]", "pla");
        code.Should().Be(ExitCodes.Ok);
        output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Should().Equal("plan");

        // dotnet-suggest passes the whole line as one argument and the cursor position in the directive.
        var values = Run("[suggest:18]", "plan --product Fin");
        values.Code.Should().Be(ExitCodes.Ok);
        values.Out.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Should().Equal("FinAiAgent", "FinSalesAgent", "FinVoice");
    }

    // ---- Values: exactly one known name each, never OR-ed flags, never the zero value ----

    [TestCase("--product", "FinAiAgent,FinSalesAgent")]
    [TestCase("--capability", "Chat,SpeechSynthesis")]
    [TestCase("--purpose", "AnsweringEndUser,AssistingTeammate")]
    [TestCase("--source", "Articles,Snippets")]
    [TestCase("--product", "3")]
    [TestCase("--product", "Unknown")]
    [TestCase("--capability", "None")]
    [TestCase("--purpose", "Undeclared")]
    [TestCase("--source", "Unknown")]
    public void Plan_ValueThatIsNotOneKnownName_ExitsTwoNamingIt(string option, string value)
    {
        string[] args = ["plan", "--config", _config, "--region", "US", "--product", "FinAiAgent", "--capability", "Chat", "--purpose", "AnsweringEndUser"];
        var i = Array.IndexOf(args, option);
        args = i >= 0 ? [.. args[..(i + 1)], value, .. args[(i + 2)..]] : [.. args, option, value];

        var (code, output, err) = Run(args);

        code.Should().Be(ExitCodes.BadInput, output);
        err.Should().Contain($"{option} '{value}' is not known").And.NotContain("   at ");
        output.Should().BeEmpty("no plan is made for a value the tool did not understand");
    }

    [FsProperty(MaxTest = 100)]
    public bool Plan_AnyTwoProductsJoinedByAComma_ExitTwo(int a, int b)
    {
        var names = Enum.GetNames<AiProduct>().Skip(1).ToArray();
        var joined = $"{names[Math.Abs(a % names.Length)]},{names[Math.Abs(b % names.Length)]}";
        var (code, _, err) = Run("plan", "--config", _config, "--region", "US", "--product", joined, "--capability", "Chat", "--purpose", "AnsweringEndUser");
        return code == ExitCodes.BadInput && err.Contains($"'{joined}'", StringComparison.Ordinal);
    }

    [Test]
    public void Disclosure_CommaJoinedProduct_ExitsTwoNamingIt()
    {
        var (code, output, err) = Run("disclosure", "--config", _config, "--product", "FinAiAgent,Copilot");
        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("--product 'FinAiAgent,Copilot'").And.Contain("repeat --product");
        output.Should().BeEmpty();
    }

    [Test]
    public void Region_NotKnownToTheConfiguration_ExitsTwoForPlanAndDisclosure()
    {
        var plan = Run("plan", "--config", _config, "--region", "Mars", "--product", "FinAiAgent", "--capability", "Chat", "--purpose", "AnsweringEndUser");
        plan.Code.Should().Be(ExitCodes.BadInput);
        plan.Err.Should().ContainEquivalentOf("--region 'Mars'").And.Contain("EU");
        plan.Out.Should().BeEmpty();

        var disclosure = Run("disclosure", "--config", _config, "--region", "Mars");
        disclosure.Code.Should().Be(ExitCodes.BadInput);
        disclosure.Err.Should().ContainEquivalentOf("--region 'Mars'");
        disclosure.Out.Should().BeEmpty();
    }

    [Test]
    public void DuplicateKey_ExitsTwoNamingTheKeyItsPathAndLine()
    {
        File.WriteAllText(_config, "{\n  \"AiCompliance\": {\n    \"Catalog\": { \"UseDefault\": true,\n      \"usedefault\": false } } }\n");
        var (code, _, err) = Run("disclosure", "--config", _config);
        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("'usedefault' twice at AiCompliance:Catalog:usedefault").And.Contain("line 4").And.NotContain("not valid JSON");
    }

    [Test]
    public void DuplicateKey_InsideAList_NamesTheItemIndex()
    {
        File.WriteAllText(_config, """{ "AiCompliance": { "Workspaces": [ { "WorkspaceId": "a" }, { "WorkspaceId": "b", "WorkspaceId": "c" } ] } }""");
        var (code, _, err) = Run("disclosure", "--config", _config);
        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("AiCompliance:Workspaces:1:WorkspaceId");
    }

    // ---- deployments ----

    [Test]
    public void Deployments_Json_ListsEveryConfiguredDeploymentWithItsContractsState()
    {
        var (code, output, err) = Run("deployments", "--config", _config, "--at", "2026-06-01T00:00:00Z", "--json");
        code.Should().Be(ExitCodes.Ok, err);
        var json = JsonDocument.Parse(output).RootElement;
        json.GetProperty("schemaVersion").GetInt32().Should().Be(1);
        var deployments = json.GetProperty("deployments").EnumerateArray().ToList();
        deployments.Select(d => d.GetProperty("id").GetString()).Should().Contain(["openai-eu", "azure-openai-eu", "bedrock-claude-eu"]).And.OnlyHaveUniqueItems();
        deployments.Should().HaveCount(14, "the default catalogue has 14 deployments");
        var openAiEu = deployments.Single(d => d.GetProperty("id").GetString() == "openai-eu");
        openAiEu.GetProperty("regions").EnumerateArray().Select(r => r.GetString()).Should().Equal("EU");
        openAiEu.GetProperty("contracts").EnumerateArray().Should().Contain(c => c.GetProperty("state").GetString() == "in-force");
    }

    [Test]
    public void Deployments_AfterTheContractsExpire_ShowsThemExpiredAndSaysWhatItCannotShow()
    {
        var (code, output, _) = Run("deployments", "--config", _config, "--at", "2031-01-01T00:00:00Z");
        code.Should().Be(ExitCodes.Ok);
        output.Should().Contain("openai-eu").And.Contain(": expired").And.NotContain(": in-force");
        output.Should().Contain("Circuit-breaker state is not shown").And.Contain("quarantine: unknown (the configured host keeps quarantines in memory only)");
    }

    // ---- audit verify: inputs that are not an intact chain ----

    [Test]
    public async Task AuditVerify_EmptyFile_ExitsOneSayingThereIsNothingToVerify()
    {
        var (_, keyFile, _) = await WriteAuditAsync();
        var empty = Path.Combine(_dir, "empty.jsonl");
        File.WriteAllBytes(empty, []);

        var text = Run("audit", "verify", empty, "--key-file", keyFile);
        text.Code.Should().Be(ExitCodes.RefusedOrBroken);
        text.Out.Should().Contain("nothing to verify").And.NotContain("intact:");

        var json = Run("audit", "verify", empty, "--key-file", keyFile, "--json");
        json.Code.Should().Be(ExitCodes.RefusedOrBroken);
        JsonDocument.Parse(json.Out).RootElement.GetProperty("isValid").GetBoolean().Should().BeFalse();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AuditVerify_EndlessFileWithoutNewlines_EndsAsABrokenFirstLineNotOutOfMemory()
    {
        File.Exists("/dev/zero").Should().BeTrue("the test reads the endless /dev/zero device; every Linux machine has one");
        var (_, keyFile, _) = await WriteAuditAsync();
        var (code, output, err) = Run("audit", "verify", "/dev/zero", "--key-file", keyFile);
        code.Should().Be(ExitCodes.RefusedOrBroken, err);
        output.Should().Contain("line 1");
    }

    [Test]
    public async Task AuditVerify_KeyGivenOnTheCommandLine_RefusedWithoutEchoingIt()
    {
        var (path, _, realKey) = await WriteAuditAsync();
        var (code, output, err) = Run("audit", "verify", path, "--key", realKey);
        code.Should().Be(ExitCodes.BadInput);
        (output + err).Should().NotContain(realKey);
        err.Should().Contain("--key-file").And.Contain(Tool.ChainKeyVariable);
    }
}
