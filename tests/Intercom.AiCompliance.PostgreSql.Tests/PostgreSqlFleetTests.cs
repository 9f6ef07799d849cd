using System.Globalization;
using System.Text;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.PostgreSql.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Npgsql;

namespace Intercom.AiCompliance.PostgreSql.Tests;

/// <summary>
/// Four processes append to one database at once while faults are injected: their connections are killed by the
/// server (pg_terminate_backend) and one process is killed with SIGKILL and restarted. Then nothing acknowledged is
/// lost, nothing is stored twice, every chain verifies, and deleting records from the middle or the tail of any chain
/// is detected. The run lasts AICOMPLIANCE_FLEET_SECONDS (default 30).
/// </summary>
[TestFixture]
public sealed class PostgreSqlFleetTests
{
    private static readonly string[] Instances = ["fleet-1", "fleet-2", "fleet-3", "fleet-4"];
    private readonly HashSet<string> _acknowledged = new(StringComparer.Ordinal);
    private string _database = string.Empty;
    private string _databaseName = string.Empty;
    private int _terminatedBackends;
    private int _failedAppends;
    private bool _killedAndRestarted;

    private static double Seconds =>
        double.TryParse(Environment.GetEnvironmentVariable("AICOMPLIANCE_FLEET_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 30;

    [OneTimeSetUp]
    public async Task RunTheFleet()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(Seconds + 90));
        var token = cts.Token;
        _database = await PostgresServer.CreateDatabaseAsync();
        _databaseName = new NpgsqlConnectionStringBuilder(_database).Database!;
        using (PostgreSqlStore.Open(_database, "setup"))
        {
            // Creates the schema once, so four processes do not all wait on the migration lock at the start.
        }

        var hosts = new List<HostProcess>();
        try
        {
            foreach (var instance in Instances)
            {
                hosts.Add(FleetProcess.Start(_database, "write", instance, "run1", Seconds.ToString(CultureInfo.InvariantCulture), "8"));
            }

            foreach (var h in hosts)
            {
                await h.WaitForLineAsync(l => l == "started", token);
            }

            // Each host runs for Seconds from its own start; the faults are injected while all of them run.
            var started = DateTime.UtcNow;
            var random = new Random(14);
            var killAt = started.AddSeconds(Seconds / 3);
            while (DateTime.UtcNow < started.AddSeconds(Seconds - 1))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(700 + random.Next(600)), token);

                // The server closes every connection one instance holds, in the middle of whatever it was writing.
                var victim = Instances[random.Next(Instances.Length)];
                _terminatedBackends += await TerminateAsync(victim);

                if (!_killedAndRestarted && DateTime.UtcNow >= killAt)
                {
                    // SIGKILL one process under load, and start it again with the same instance id: it continues its chain.
                    var index = random.Next(hosts.Count);
                    await hosts[index].KillAsync(token);
                    Collect(hosts[index]);
                    var left = Math.Max(1, (started.AddSeconds(Seconds) - DateTime.UtcNow).TotalSeconds);
                    var restarted = FleetProcess.Start(_database, "write", Instances[index], "run2", left.ToString("F1", CultureInfo.InvariantCulture), "8");
                    await restarted.WaitForLineAsync(l => l == "started", token);
                    hosts[index] = restarted;
                    _killedAndRestarted = true;
                }
            }

            foreach (var h in hosts)
            {
                var (exit, stderr) = await h.WaitForExitAsync(token);
                Assert.That(exit, Is.EqualTo(0), $"a fleet host failed: {stderr}");
                Collect(h);
            }
        }
        finally
        {
            foreach (var h in hosts)
            {
                h.Dispose();
            }

            NpgsqlConnection.ClearAllPools();
        }
    }

    [Test]
    public void Fleet_UnderKilledConnectionsAndAKilledProcess_FaultsWereReallyInjected()
    {
        _killedAndRestarted.Should().BeTrue();
        _terminatedBackends.Should().BePositive("connections of running instances were terminated by the server");
        _failedAppends.Should().BePositive("a killed connection fails the batch it was writing, and its callers are told");
        _acknowledged.Should().HaveCountGreaterThan(Instances.Length * 10);
    }

    [Test]
    public async Task Fleet_AfterTheRun_EveryAcknowledgedRecordIsStoredOnceAndEveryChainVerifies()
    {
        var stored = new List<string>();
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT line FROM aicompliance.audit_records;", connection);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                stored.Add(AuditChain.FromJson(Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(0))).EventId);
            }
        }

        NpgsqlConnection.ClearAllPools();
        stored.Should().OnlyHaveUniqueItems("no record is stored twice");
        _acknowledged.Except(stored).Should().BeEmpty("every record a caller was told is stored is in the database");

        var result = PostgreSqlAuditVerifier.Verify(_database, AuditKeys.Chain);
        result.IsValid.Should().BeTrue(result.ToString());
        result.Chains.Keys.Should().BeEquivalentTo(Instances);
        result.RecordCount.Should().Be(stored.Count);
        TestContext.Out.WriteLine(
            $"fleet: {stored.Count} records stored by {Instances.Length} processes in about {Seconds} s, {result.AnchorCount} anchors; " +
            $"{_terminatedBackends} connections terminated, {_failedAppends} appends failed and were not acknowledged");
    }

    [TestCaseSource(nameof(Instances))]
    public async Task Verify_ARecordDeletedFromTheMiddleOfAChain_IsDetected(string instance)
    {
        var copy = await CopyAsync();
        var middle = await PostgresServer.ScalarAsync<long>(copy, $"SELECT max(sequence) / 2 FROM aicompliance.audit_records WHERE instance_id = '{instance}';");
        await PostgresServer.ExecuteAsAttackerAsync(copy, $"DELETE FROM aicompliance.audit_records WHERE instance_id = '{instance}' AND sequence = {middle};");

        var result = PostgreSqlAuditVerifier.Verify(copy, AuditKeys.Chain);

        result.IsValid.Should().BeFalse();
        result.Chains[instance].IsValid.Should().BeFalse();
        result.Chains[instance].Problem.Should().Contain("removed");
    }

    [TestCaseSource(nameof(Instances))]
    public async Task Verify_TheLastRecordOfAChainDeleted_IsDetected(string instance)
    {
        var copy = await CopyAsync();
        await PostgresServer.ExecuteAsAttackerAsync(copy,
            $"DELETE FROM aicompliance.audit_records WHERE instance_id = '{instance}' AND sequence = (SELECT max(sequence) FROM aicompliance.audit_records WHERE instance_id = '{instance}');");

        var result = PostgreSqlAuditVerifier.Verify(copy, AuditKeys.Chain);

        result.Chains[instance].IsValid.Should().BeTrue("what is left of the chain is a valid chain: the chain alone cannot show a cut tail");
        result.IsValid.Should().BeFalse();
        result.Problems.Should().Contain(p => p.Contains($"instance {instance}'s chain ends at record", StringComparison.Ordinal));
    }

    [TestCaseSource(nameof(Instances))]
    public async Task Verify_TheTailOfAChainDeletedWithItsOwnAnchors_IsDetectedByTheOtherInstancesAnchors(string instance)
    {
        var copy = await CopyAsync();

        // The highest record of this chain another instance has cited: cut from there, with every anchor of this
        // instance that cites it, so the instance's own records and anchors are consistent again.
        var cut = await PostgresServer.ScalarAsync<long>(copy,
            $"""
            SELECT max((h->>'sequence')::bigint) FROM aicompliance.audit_anchors a,
                   jsonb_array_elements(convert_from(a.body, 'UTF8')::jsonb -> 'heads') h
            WHERE a.instance_id <> '{instance}' AND h->>'instance' = '{instance}';
            """);
        await PostgresServer.ExecuteAsAttackerAsync(copy,
            $"""
            DELETE FROM aicompliance.audit_records WHERE instance_id = '{instance}' AND sequence >= {cut};
            DELETE FROM aicompliance.audit_anchors a WHERE instance_id = '{instance}' AND EXISTS (
                SELECT 1 FROM jsonb_array_elements(convert_from(a.body, 'UTF8')::jsonb -> 'heads') h
                WHERE h->>'instance' = '{instance}' AND (h->>'sequence')::bigint >= {cut});
            """);

        var result = PostgreSqlAuditVerifier.Verify(copy, AuditKeys.Chain);

        result.Chains[instance].IsValid.Should().BeTrue();
        result.IsValid.Should().BeFalse();
        result.Problems.Should().Contain(p => p.Contains($"instance {instance}'s chain ends at record {cut - 1}", StringComparison.Ordinal) && p.Contains("deleted from the tail", StringComparison.Ordinal));
    }

    private static async Task<int> TerminateAsync(string instance)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) t;", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = "aicompliance/" + instance });
        return (int)(long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<string> CopyAsync()
    {
        NpgsqlConnection.ClearAllPools();
        return await PostgresServer.CreateDatabaseAsync(_databaseName);
    }

    private void Collect(HostProcess host)
    {
        while (host.Lines.TryDequeue(out var line))
        {
            if (line.StartsWith("ack ", StringComparison.Ordinal))
            {
                _acknowledged.Add(line[4..]);
            }
            else if (line == "fail")
            {
                _failedAppends++;
            }
        }
    }
}
