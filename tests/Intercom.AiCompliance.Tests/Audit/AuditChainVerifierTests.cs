using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Audit;

/// <summary>Tamper evidence covers the bytes on disk, and needs the key.</summary>
public class AuditChainVerifierTests
{
    /// <summary>
    /// A trail written by the router through the JSON Lines sink (real records: attempts, rejections, write-ahead intents),
    /// as bytes: <paramref name="records"/> lines. A served request stores two (its intent, then its outcome); an odd
    /// count ends with a refused request (unknown workspace), which stores only its outcome.
    /// </summary>
    private static async Task<byte[]> TrailBytesAsync(int records = 3)
    {
        var path = Path.Combine(Path.GetTempPath(), $"aicompliance-verify-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using (var f = new RouterFixture([Deployments.Make("a"), Deployments.Make("b")], sink: new JsonLinesAuditSink(path, flushToDisk: false)))
            {
                for (var i = 0; i < records / 2; i++)
                {
                    await f.Router.SendAsync(Requests.Make());
                }

                if (records % 2 == 1)
                {
                    await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make("ws-unknown"))).Should().ThrowAsync<Intercom.AiCompliance.Routing.RequestRefusedException>();
                }
            }

            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".lock");
        }
    }

    private static AuditRecord Record(int i) => AuditRecords.Make(i, servedBy: "a");

    private static AuditVerificationResult Verify(byte[] bytes, AuditChainKey key) =>
        AuditChainVerifier.Verify(new MemoryStream(bytes, writable: false), key);

    private static (int Start, int End) Line(byte[] bytes, int index)
    {
        var start = 0;
        for (var i = 0; i < index; i++)
        {
            start = Array.IndexOf(bytes, (byte)'\n', start) + 1;
        }

        return (start, Array.IndexOf(bytes, (byte)'\n', start) + 1);
    }

    [Test]
    public async Task Verify_UntouchedBytes_IsIntact()
    {
        var bytes = await TrailBytesAsync();
        Verify(bytes, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, 3, null, null));
    }

    [Test]
    [CancelAfter(110_000)]
    public async Task Verify_EveryOtherValueOfEveryByteOfARecord_NeverVerifiesAndPointsAtThatLine()
    {
        // The probe: 63 of 3,265 single-byte changes to one record still verified when the chain hashed a
        // re-serialised record. Here: every position of the middle record (its newline included), every other value.
        var original = await TrailBytesAsync();
        var (start, end) = Line(original, 1);
        var verified = new List<string>();
        Parallel.For(start, end, position =>
        {
            var bytes = (byte[])original.Clone();
            for (var value = 0; value < 256; value++)
            {
                if (value == original[position])
                {
                    continue;
                }

                bytes[position] = (byte)value;
                var result = Verify(bytes, AuditKeys.Chain);
                if (result.IsValid || result.BrokenAtLine != 2)
                {
                    lock (verified)
                    {
                        verified.Add($"byte {position - start} '{(char)original[position]}' -> 0x{value:x2}: {result}");
                    }
                }
            }
        });

        verified.Should().BeEmpty();
        (end - start).Should().BeGreaterThan(500, "the record under test is a real one, with attempts and rejections");
    }

    [Test]
    public async Task Verify_AnySingleByteChangeAnywhereInTheFile_NeverVerifies()
    {
        var bytes = await TrailBytesAsync(records: 4);
        var change = from position in Gen.Choose(0, bytes.Length - 1)
                     from delta in Gen.Choose(1, 255)
                     select (position, delta);
        var property = Prop.ForAll(change.ToArbitrary(), c =>
        {
            var copy = (byte[])bytes.Clone();
            copy[c.position] = (byte)(copy[c.position] + c.delta);
            return !Verify(copy, AuditKeys.Chain).IsValid;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3000).WithQuietOnSuccess(true), property);
    }

    // Edits that leave the JSON meaning (nearly) unchanged: the old re-serialising check let every one of them pass.
    [TestCase("rename a null-valued key", "\"correlationId\":null", "\"correlationID\":null")]
    [TestCase("rename a false-valued key", "\"usPinned\":false", "\"usPinneD\":false")]
    [TestCase("add a property", "\"correlationId\":null", "\"correlationId\":null,\"note\":null")]
    [TestCase("reorder keys", "\"product\":\"FinAiAgent\",\"purpose\":\"AnsweringEndUser\"", "\"purpose\":\"AnsweringEndUser\",\"product\":\"FinAiAgent\"")]
    [TestCase("whitespace", "\"outcome\":\"Succeeded\"", "\"outcome\": \"Succeeded\"")]
    [TestCase("enum case", "\"outcome\":\"Succeeded\"", "\"outcome\":\"succeeded\"")]
    [TestCase("duplicate key", "\"outcome\":\"Succeeded\"", "\"outcome\":\"Succeeded\",\"outcome\":\"Succeeded\"")]
    [TestCase("escape a character", "\"workspaceId\":\"ws-1\"", "\"workspaceId\":\"ws\\u002D1\"")]
    [TestCase("uppercase the MAC", "\"mac\":\"", "\"mac\":\"X")]
    [TestCase("CRLF line end", "}\n", "}\r\n")]
    public async Task Verify_MeaningPreservingEdit_IsDetectedAtItsLine(string what, string find, string replace)
    {
        var bytes = await TrailBytesAsync();
        var (start, end) = Line(bytes, 1);
        var line = Encoding.UTF8.GetString(bytes, start, end - start);
        line.Should().Contain(find, what);
        var edited = line.Replace(find, replace, StringComparison.Ordinal);
        if (what == "uppercase the MAC")
        {
            var at = line.IndexOf(find, StringComparison.Ordinal) + find.Length;
            edited = line[..at] + line.Substring(at, 64).ToUpperInvariant() + line[(at + 64)..];
            edited.Should().NotBe(line, "the MAC has letters to uppercase");
        }

        var tampered = bytes[..start].Concat(Encoding.UTF8.GetBytes(edited)).Concat(bytes[end..]).ToArray();
        var result = Verify(tampered, AuditKeys.Chain);

        result.IsValid.Should().BeFalse(what);
        result.BrokenAtLine.Should().Be(2, what);
    }

    [Test]
    public async Task Verify_ChainRebuiltWithAnotherKey_FailsUnderTheRealKey()
    {
        // An attacker with write access but not the key re-links every record with the public linking code.
        var bytes = await TrailBytesAsync();
        var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var head = AuditChainHead.Empty;
        var forged = new StringBuilder();
        foreach (var line in lines)
        {
            var record = AuditChain.FromJson(line) with { ServedBy = "attacker-choice" };
            var relinked = AuditChain.Link(record, head, AuditKeys.Other, new(), null);
            head = AuditChainHead.After(relinked);
            forged.Append(AuditChain.ToJson(relinked)).Append('\n');
        }

        var result = Verify(Encoding.UTF8.GetBytes(forged.ToString()), AuditKeys.Chain);

        result.IsValid.Should().BeFalse();
        result.BrokenAtLine.Should().Be(1);
        result.Problem.Should().Contain("not among the keys given");
    }

    [Test]
    public async Task Verify_ForgedKeyIdWithTheAttackersMac_IsAnEditedRecord()
    {
        // Claiming the real key's id does not help without the key: the MAC is checked under the real key.
        var bytes = await TrailBytesAsync();
        var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var first = AuditChain.FromJson(lines[0]);
        var bogus = AuditChain.Link(first with { Outcome = AuditOutcome.RequestRefused }, AuditChainHead.Empty, AuditKeys.Other, new(), null) with { KeyId = AuditKeys.Chain.Id };
        lines[0] = AuditChain.ToJson(bogus);

        var result = Verify(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"), AuditKeys.Chain);

        result.Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 1 && r.Problem!.Contains("edited or forged"));
    }

    [Test]
    public async Task Verify_AppendedRecordSealedWithoutTheKey_IsDetected()
    {
        var bytes = await TrailBytesAsync();
        var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var last = AuditChain.FromJson(lines[^1]);
        var appended = AuditChain.Link(Record(9), AuditChainHead.After(last), AuditKeys.Other, new(), null);
        var tampered = bytes.Concat(Encoding.UTF8.GetBytes(AuditChain.ToJson(appended) + "\n")).ToArray();

        Verify(tampered, AuditKeys.Chain).Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 4 && r.RecordCount == 3);
    }

    [Test]
    public async Task Verify_IncompleteLastLine_IsNotValid()
    {
        var bytes = await TrailBytesAsync();
        var result = Verify(bytes[..^1], AuditKeys.Chain);
        result.Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 3 && r.Problem!.Contains("incomplete"));
    }

    [Test]
    public async Task Verify_EmptyLine_IsNotValid()
    {
        var bytes = await TrailBytesAsync();
        var (_, end) = Line(bytes, 0);
        var tampered = bytes[..end].Append((byte)'\n').Concat(bytes[end..]).ToArray();
        Verify(tampered, AuditKeys.Chain).Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 2);
    }

    [Test]
    public async Task Verify_RotatedKey_VerifiesWithBothKeysAndNamesTheMissingOne()
    {
        var path = Path.Combine(Path.GetTempPath(), $"aicompliance-rotate-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using (var before = new AuditTrail(new JsonLinesAuditSink(path, false), new AuditTrailOptions { ChainKey = AuditKeys.Chain }))
            {
                await before.AppendAsync(Record(1));
                await before.AppendAsync(Record(2));
            }

            var rotated = new AuditTrailOptions { ChainKey = AuditKeys.Other };
            rotated.RetiredChainKeys.Add(AuditKeys.Chain);
            await using (var after = new AuditTrail(new JsonLinesAuditSink(path, false), rotated))
            {
                (await after.AppendAsync(Record(3))).Should().Match<AuditRecord>(r => r.Sequence == 3 && r.KeyId == AuditKeys.Other.Id);
            }

            AuditChainVerifier.VerifyFile(path, [AuditKeys.Chain, AuditKeys.Other]).Should().Be(new AuditVerificationResult(true, 3, null, null));
            var withNewKeyOnly = AuditChainVerifier.VerifyFile(path, AuditKeys.Other);
            withNewKeyOnly.BrokenAtLine.Should().Be(1);
            withNewKeyOnly.Problem.Should().Contain(AuditKeys.Chain.Id).And.Contain("not among the keys given");
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".lock");
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Verify_RecordSealedWithARetiredKeyAfterTheRotation_IsDetected(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"aicompliance-retired-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using (var before = new AuditTrail(new JsonLinesAuditSink(path, false), new AuditTrailOptions { ChainKey = AuditKeys.Chain }))
            {
                await before.AppendAsync(Record(1), cancellationToken);
            }

            var rotated = new AuditTrailOptions { ChainKey = AuditKeys.Other };
            rotated.RetiredChainKeys.Add(AuditKeys.Chain);
            await using (var after = new AuditTrail(new JsonLinesAuditSink(path, false), rotated))
            {
                await after.AppendAsync(Record(2), cancellationToken);
            }

            // Someone holding the retired key (it was rotated out because it leaked) links a record on with it. (The trail
            // itself refuses to: see AuditTrailTests' rollback test; a forger uses the linking code directly.)
            var head = AuditChain.FromJson(File.ReadAllLines(path)[^1]);
            var forged = AuditChain.Link(Record(3), AuditChainHead.After(head), AuditKeys.Chain, new(), null);
            await File.AppendAllTextAsync(path, AuditChain.ToJson(forged) + "\n", cancellationToken);

            var result = AuditChainVerifier.VerifyFile(path, [AuditKeys.Chain, AuditKeys.Other]);
            result.IsValid.Should().BeFalse();
            result.BrokenAtLine.Should().Be(3);
            result.RecordCount.Should().Be(2);
            result.Problem.Should().Contain(AuditKeys.Chain.Id).And.Contain("moved on from");
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".lock");
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public void Verify_EndlessLineWithoutANewline_StopsAtTheLineBoundInsteadOfReadingItAll()
    {
        // Like 'aicompliance audit verify /dev/zero', or a 100 MB line: memory and reading stay bounded.
        var endless = new ZeroStream();

        var result = AuditChainVerifier.Verify(endless, AuditKeys.Chain);

        result.Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 1 && r.RecordCount == 0);
        result.Problem.Should().Contain("longer than");
        endless.BytesRead.Should().BeLessThanOrEqualTo(8L * 1024 * 1024);
    }

    [Test]
    [Platform(Include = "Linux", Reason = "reads /dev/zero")]
    [CancelAfter(30_000)]
    public void VerifyFile_DevZero_ReportsAnOverlongLine() =>
        AuditChainVerifier.VerifyFile("/dev/zero", AuditKeys.Chain).Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 1);

    /// <summary>An endless stream of zero bytes that counts what was read.</summary>
    private sealed class ZeroStream : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            BytesRead += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Test]
    public void Verify_WithoutAKey_ThrowsNamingTheSetting()
    {
        FluentActions.Invoking(() => AuditChainVerifier.Verify(new MemoryStream(), []))
            .Should().Throw<ArgumentException>().WithMessage("*AiCompliance:Audit:ChainKey*");
    }

    [Test]
    public async Task Verify_RecordsOfAnInMemoryTrail_CheckedUnderItsOwnKey()
    {
        var sink = new InMemoryAuditSink();
        await using var trail = new AuditTrail(sink);
        for (var i = 0; i < 3; i++)
        {
            await trail.AppendAsync(Record(i));
        }

        trail.Verify(sink.Records).IsValid.Should().BeTrue();
        var edited = sink.Records.ToArray();
        edited[1] = edited[1] with { WorkspaceId = "ws-2" };
        trail.Verify(edited).Should().Match<AuditVerificationResult>(r => !r.IsValid && r.BrokenAtLine == 2);
        AuditChainVerifier.Verify(sink.Records, AuditKeys.Chain).IsValid.Should().BeFalse("a random per-process key is nobody else's");
    }
}
