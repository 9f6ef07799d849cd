using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Audit;

public class AuditChainTests
{
    private string _path = null!;

    [SetUp]
    public void SetUp() => _path = Path.Combine(Path.GetTempPath(), $"aicompliance-audit-{Guid.NewGuid():N}.jsonl");

    [TearDown]
    public void TearDown()
    {
        File.Delete(_path);
        File.Delete(_path + ".lock");
    }

    private async Task WriteRequestsAsync(int count)
    {
        await using var f = new RouterFixture([Deployments.Make("a")], sink: new JsonLinesAuditSink(_path, flushToDisk: false));
        for (var i = 0; i < count; i++)
        {
            await f.Router.SendAsync(Requests.Make());
        }
    }

    /// <summary>The one request's outcome line (the line after its write-ahead intent).</summary>
    private string OutcomeLine()
    {
        var lines = File.ReadAllLines(_path);
        lines.Should().HaveCount(2);
        AuditChain.FromJson(lines[0]).Outcome.Should().Be(AuditOutcome.Intent);
        return lines[1];
    }

    [Test]
    public async Task VerifyFile_UntouchedTrail_IsIntact()
    {
        await WriteRequestsAsync(5);
        var result = AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain);
        result.IsValid.Should().BeTrue();
        result.RecordCount.Should().Be(10, "each request stored its write-ahead intent and its outcome");
        result.IntentsWithoutOutcome.Should().BeEmpty("every intent has its outcome");
    }

    [Test]
    public async Task JsonLinesSink_NewProcessOnTheSameFile_ContinuesTheChain()
    {
        await WriteRequestsAsync(3);
        await WriteRequestsAsync(2);
        var lines = File.ReadAllLines(_path);
        lines.Should().HaveCount(10, "an intent and an outcome per request");
        AuditChain.FromJson(lines[^1]).Sequence.Should().Be(10);
        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).IsValid.Should().BeTrue();
    }

    [Test]
    public async Task VerifyFile_EditedRecord_DetectedAtItsLine()
    {
        await WriteRequestsAsync(4);
        var lines = File.ReadAllLines(_path);
        lines[3].Should().Contain("\"outcome\":\"Succeeded\"", "line 4 is the second request's outcome");
        lines[3] = lines[3].Replace("\"outcome\":\"Succeeded\"", "\"outcome\":\"RequestRefused\"", StringComparison.Ordinal);
        File.WriteAllLines(_path, lines);

        var result = AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain);
        result.IsValid.Should().BeFalse();
        result.BrokenAtLine.Should().Be(4);
        result.Problem.Should().Contain("edited or forged");
    }

    [Test]
    public async Task VerifyFile_RemovedRecord_Detected()
    {
        await WriteRequestsAsync(4);
        var lines = File.ReadAllLines(_path).ToList();
        lines.RemoveAt(1);
        File.WriteAllLines(_path, lines);

        var result = AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain);
        result.BrokenAtLine.Should().Be(2);
        result.Problem.Should().Contain("removed");
    }

    [Test]
    public async Task VerifyFile_FirstRecordRemoved_Detected()
    {
        await WriteRequestsAsync(3);
        File.WriteAllLines(_path, File.ReadAllLines(_path).Skip(1));
        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 1);
    }

    [Test]
    public async Task VerifyFile_LastRecordRemoved_IsStillAValidPrefix_ButAnyInnerGapIsNot()
    {
        // A truncated tail cannot be told from a shorter trail by the chain alone; hosts anchor the head elsewhere.
        await WriteRequestsAsync(3);
        File.WriteAllLines(_path, File.ReadAllLines(_path).Take(2));
        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).RecordCount.Should().Be(2);
    }

    [Test]
    public async Task VerifyFile_InsertedRecord_Detected()
    {
        await WriteRequestsAsync(3);
        var lines = File.ReadAllLines(_path).ToList();
        // The attacker re-links a copy after record 1 with the public code, but only has their own key.
        var first = AuditChain.FromJson(lines[0]);
        var forged = AuditChain.Link(first with { EventId = "forged" }, AuditChainHead.After(first), AuditKeys.Other, new(), null);
        lines.Insert(1, AuditChain.ToJson(forged));
        File.WriteAllLines(_path, lines);

        var result = AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain);
        result.IsValid.Should().BeFalse();
        result.BrokenAtLine.Should().Be(2);
    }

    [Test]
    public async Task VerifyFile_ReorderedRecords_Detected()
    {
        await WriteRequestsAsync(4);
        var lines = File.ReadAllLines(_path);
        (lines[1], lines[2]) = (lines[2], lines[1]);
        File.WriteAllLines(_path, lines);

        var result = AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain);
        result.IsValid.Should().BeFalse();
        result.BrokenAtLine.Should().Be(2);
    }

    [Test]
    public async Task VerifyFile_GarbageLine_NamesTheLine()
    {
        await WriteRequestsAsync(2);
        File.AppendAllText(_path, "{not json\n");
        var result = AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain);
        result.BrokenAtLine.Should().Be(5, "after two intents and two outcomes");
        result.Problem.Should().Contain("not a readable audit record");
    }

    [Test]
    public async Task AuditRecord_InputDigest_IsKeyedAndStable()
    {
        var options = new Intercom.AiCompliance.Routing.ProviderRouterOptions { AuditDigestKey = Convert.ToBase64String(new byte[32]) };
        await using var f = new RouterFixture([Deployments.Make("a")], options: options);
        await f.Router.SendAsync(Requests.Make(text: "same"));
        await f.Router.SendAsync(Requests.Make(text: "same"));
        await f.Router.SendAsync(Requests.Make(text: "different"));
        var digests = f.Records.Select(r => r.InputDigest).ToArray();
        digests[0].Should().Be(digests[1]).And.NotBe(digests[2]).And.HaveLength(64);
        f.Records.Should().OnlyContain(r => r.OutputDigest != null);
    }

    [Test]
    public async Task ToJson_StoredLine_EndsInItsMacField_AndRemovingItGivesTheSealedBody()
    {
        await WriteRequestsAsync(1);
        var line = OutcomeLine();
        var record = AuditChain.FromJson(line);

        line.Should().EndWith($",\"mac\":\"{record.Mac}\"}}").And.Contain($"\"keyId\":\"{AuditKeys.Chain.Id}\"");
        AuditChain.ToJson(record).Should().Be(line, "the stored form is exactly what the writer produces");
        record.Mac.Should().MatchRegex("^[0-9a-f]{64}$");
    }

    [TestCase("duplicate key", "\"outcome\":\"Succeeded\"", "\"outcome\":\"Succeeded\",\"outcome\":\"Cancelled\"")]
    [TestCase("unknown key", "\"outcome\":\"Succeeded\"", "\"outcome\":\"Succeeded\",\"note\":\"x\"")]
    [TestCase("mac not last", ",\"mac\":\"", ",\"mac2\":\"")]
    public async Task FromJson_LineNotInItsStoredForm_IsRejected(string what, string find, string replace)
    {
        await WriteRequestsAsync(1);
        var line = OutcomeLine();
        line.Should().Contain(find);

        FluentActions.Invoking(() => AuditChain.FromJson(line.Replace(find, replace, StringComparison.Ordinal)))
            .Should().Throw<System.Text.Json.JsonException>(what);
    }
}
