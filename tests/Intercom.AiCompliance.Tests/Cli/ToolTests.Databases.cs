using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Cli;
using Intercom.AiCompliance.Sqlite;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Data.Sqlite;

namespace Intercom.AiCompliance.Tests.Cli;

/// <summary>audit verify on a SQLite database (the PostgreSQL path is tested against a real server in Intercom.AiCompliance.PostgreSql.Tests).</summary>
public partial class ToolTests
{
    private async Task<(string Path, string KeyFile)> WriteSqliteAuditAsync(int records)
    {
        var path = Path.Combine(_dir, "audit.db");
        await using (var trail = new AuditTrail(SqliteAuditSink.Open(path), AuditKeys.Options()))
        {
            for (var i = 0; i < records; i++)
            {
                await trail.AppendAsync(AuditRecords.Make(i));
            }
        }

        SqliteConnection.ClearAllPools();
        var keyFile = Path.Combine(_dir, "chain.key");
        File.WriteAllText(keyFile, Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        return (path, keyFile);
    }

    [Test]
    public async Task AuditVerify_ASqliteDatabase_IsRecognisedAndVerifiedThenAnEditedRowExitsOneNamingIt()
    {
        var (path, keyFile) = await WriteSqliteAuditAsync(3);

        var (code, output, _) = Run("audit", "verify", path, "--key-file", keyFile);
        code.Should().Be(ExitCodes.Ok);
        output.Should().Contain("intact: 3 record(s)");

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "DROP TRIGGER audit_records_append_only_update; UPDATE audit_records SET line = replace(line, 'ws-1', 'ws-2') WHERE sequence = 2;";
            cmd.ExecuteNonQuery();
        }

        (code, output, _) = Run("audit", "verify", path, "--key-file", keyFile);
        code.Should().Be(ExitCodes.RefusedOrBroken);
        output.Should().Contain("line 2");
    }

    [Test]
    public async Task AuditVerify_AnEmptySqliteDatabase_ExitsOne()
    {
        var (path, keyFile) = await WriteSqliteAuditAsync(0);

        var (code, output, _) = Run("audit", "verify", path, "--key-file", keyFile);

        code.Should().Be(ExitCodes.RefusedOrBroken);
        output.Should().Contain("SQLite database").And.Contain("holds no record");
    }

    [Test]
    public void AuditVerify_ASqliteDatabaseThisPackageDidNotWrite_ExitsTwo()
    {
        var path = Path.Combine(_dir, "other.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "CREATE TABLE t (x INTEGER);";
            cmd.ExecuteNonQuery();
        }

        var keyFile = Path.Combine(_dir, "k.key");
        File.WriteAllText(keyFile, Convert.ToBase64String(new byte[32]));

        var (code, _, err) = Run("audit", "verify", path, "--key-file", keyFile);

        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("not an audit database").And.NotContain("   at ");
    }

    [Test]
    public void AuditVerify_NeitherAFileNorPostgres_ExitsTwoSayingWhatItNeeds()
    {
        var (code, _, err) = Run("audit", "verify");

        code.Should().Be(ExitCodes.BadInput);
        err.Should().Contain("--postgres");
    }

    [Test]
    public void AuditVerify_APostgresConnectionStringWithAPassword_IsRefusedWithoutEchoingIt()
    {
        var (code, output, err) = Run("audit", "verify", "--postgres", "Host=127.0.0.1;Username=u;Password=S3cret-On-The-Command-Line;Database=d");

        code.Should().Be(ExitCodes.BadInput);
        (output + err).Should().NotContain("S3cret-On-The-Command-Line");
        err.Should().Contain(Tool.PostgresVariable);
    }
}
