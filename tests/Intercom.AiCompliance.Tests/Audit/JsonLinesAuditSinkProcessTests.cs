using System.Diagnostics;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Audit;

/// <summary>
/// A real second process writing the audit file (tests/Intercom.AiCompliance.AuditWriter): while it runs no other writer
/// gets the file, and after it is killed with SIGKILL at random moments the next writer continues one verifiable chain.
/// </summary>
[Platform(Include = "Linux,MacOsX", Reason = "Process.Kill sends SIGKILL there")]
public class JsonLinesAuditSinkProcessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private static readonly string ChainKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private string _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"aicompliance-kill-{Guid.NewGuid():N}");
        _path = Path.Combine(_dir, "audit.jsonl");
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private Process StartWriter()
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Intercom.AiCompliance.AuditWriter.dll"));
        info.ArgumentList.Add(_path);
        info.ArgumentList.Add(ChainKey);
        return Process.Start(info) ?? throw new InvalidOperationException("the writer did not start");
    }

    /// <summary>Reads the sequences the writer reports until it has stored <paramref name="count"/> records.</summary>
    private static async Task<List<long>> ReadStoredAsync(Process writer, int count, CancellationToken cancellationToken)
    {
        var stored = new List<long>();
        while (stored.Count < count)
        {
            var line = await writer.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(Limit, cancellationToken);
            if (line is null)
            {
                Assert.Fail($"the writer ended early: {await writer.StandardError.ReadToEndAsync(cancellationToken)}");
            }

            stored.Add(long.Parse(line!, System.Globalization.CultureInfo.InvariantCulture));
        }

        return stored;
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task WriterKilledWithSigkillAtRandomMoments_NextWriterContinuesTheChainAndItVerifies(CancellationToken cancellationToken)
    {
        var random = new Random(20261123);
        long lastSeen = 0;
        for (var round = 0; round < 4; round++)
        {
            using var writer = StartWriter();
            try
            {
                var stored = await ReadStoredAsync(writer, random.Next(1, 40), cancellationToken);
                stored[0].Should().BeGreaterThan(lastSeen, "each writer continues the chain the killed one left");
                if (round == 0)
                {
                    // A second writer, in this process, while the other process holds the file: refused, never forked.
                    FluentActions.Invoking(() => new JsonLinesAuditSink(_path, false)).Should().Throw<IOException>()
                        .Which.Message.Should().Contain("already being written");
                }

                await Task.Delay(random.Next(0, 25), cancellationToken);
                lastSeen = stored[^1];
            }
            finally
            {
                writer.Kill();
                await writer.WaitForExitAsync(cancellationToken).WaitAsync(Limit, cancellationToken);
            }
        }

        // The lock died with the process; whatever the last kill left (a torn line included) is dealt with at this start.
        await using (var trail = new AuditTrail(new JsonLinesAuditSink(_path, false), AuditKeys.Options()))
        {
            var next = await trail.AppendAsync(new AuditRecord
            {
                EventId = "parent",
                Timestamp = DateTimeOffset.UnixEpoch,
                WorkspaceId = "ws-parent",
                Product = "FinAiAgent",
                Purpose = "AnsweringEndUser",
                Capability = "Chat",
                Required = new AuditPromises { Region = "EU" },
                Outcome = AuditOutcome.Succeeded,
            }).AsTask().WaitAsync(Limit, cancellationToken);
            next.Sequence.Should().BeGreaterThan(lastSeen);
        }

        var lines = await File.ReadAllLinesAsync(_path, cancellationToken);
        AuditChainVerifier.VerifyFile(_path, AuditKeys.Chain).Should().Be(new AuditVerificationResult(true, lines.Length, null, null));
    }
}
