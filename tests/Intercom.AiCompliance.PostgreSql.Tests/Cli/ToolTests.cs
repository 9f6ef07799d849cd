using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Cli;
using Intercom.AiCompliance.PostgreSql.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Npgsql;

namespace Intercom.AiCompliance.PostgreSql.Tests.Cli;

/// <summary><c>aicompliance audit verify --postgres</c> against the real test server.</summary>
public class ToolTests
{
    private static readonly string KeyBase64 = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static (int Code, string Out, string Err) Run(string? connectionInEnvironment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Tool.Run(args, stdout, stderr, name => name == Tool.ChainKeyVariable ? KeyBase64 : name == Tool.PostgresVariable ? connectionInEnvironment : null);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<string> FleetAsync()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        foreach (var instance in new[] { "a", "b" })
        {
            await using var store = PostgreSqlStore.Open(database, instance);
            await using var trail = new AuditTrail(new PostgreSqlAuditSink(store, AuditKeys.Chain), AuditKeys.Options());
            for (var i = 0; i < 3; i++)
            {
                await trail.AppendAsync(AuditRecords.Make($"{instance}{i}"));
            }
        }

        NpgsqlConnection.ClearAllPools();
        return database;
    }

    [Test]
    public async Task AuditVerifyPostgres_FromTheEnvironment_ExitsZeroThenOneAfterATailIsCut()
    {
        var database = await FleetAsync();

        var (code, output, _) = Run(database, "audit", "verify", "--postgres");
        code.Should().Be(ExitCodes.Ok, output);
        output.Should().Contain("Audit chains intact: 2 instance chain(s), 6 record(s)").And.NotContain(PostgresServer.Password);

        await PostgresServer.ExecuteAsAttackerAsync(database, "DELETE FROM aicompliance.audit_records WHERE instance_id = 'a' AND sequence = 3;");
        (code, output, _) = Run(database, "audit", "verify", "--postgres", "--json");
        code.Should().Be(ExitCodes.RefusedOrBroken);
        output.Should().Contain("\"isValid\": false").And.Contain("chain ends at record 2");
    }

    [Test]
    public async Task AuditVerifyPostgres_AConnectionStringWithoutPassword_UsesPgpasswordFromTheEnvironmentOfNpgsql()
    {
        var database = await FleetAsync();
        var withoutPassword = new NpgsqlConnectionStringBuilder(database) { Password = null }.ConnectionString;
        Environment.SetEnvironmentVariable("PGPASSWORD", PostgresServer.Password);
        try
        {
            var (code, output, err) = Run(null, "audit", "verify", "--postgres", withoutPassword);

            code.Should().Be(ExitCodes.Ok, err);
            output.Should().Contain("6 record(s)");
        }
        finally
        {
            Environment.SetEnvironmentVariable("PGPASSWORD", null);
        }
    }

    [Test]
    public async Task AuditVerifyPostgres_AnEmptyStore_ExitsOne()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using (PostgreSqlStore.Open(database, "a"))
        {
        }

        var (code, output, _) = Run(database, "audit", "verify", "--postgres");

        code.Should().Be(ExitCodes.RefusedOrBroken);
        output.Should().Contain("holds no audit record");
    }

    [Test]
    public void AuditVerifyPostgres_AWrongPassword_ExitsTwoWithoutThePassword()
    {
        var wrong = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Password = "Wrong-Pa55-In-Env" }.ConnectionString;

        var (code, output, err) = Run(wrong, "audit", "verify", "--postgres");

        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("28P01");
        (output + err).Should().NotContain("Wrong-Pa55-In-Env").And.NotContain(PostgresServer.Password);
    }
}
