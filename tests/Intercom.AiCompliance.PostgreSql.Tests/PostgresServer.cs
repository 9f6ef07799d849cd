using System.Diagnostics;
using Npgsql;

namespace Intercom.AiCompliance.PostgreSql.Tests;

/// <summary>
/// Starts a real, throwaway PostgreSQL server for the whole test assembly with scripts/postgres-test-server.sh (which
/// installs Debian's postgresql package when it is missing), and stops it at the end. No server, no tests: if the
/// script cannot find or start one, every test fails with the script's message. Nothing is skipped.
/// </summary>
[SetUpFixture]
public sealed class PostgresServer
{
    private static string? _connectionString;
    private static string? _directory;

    /// <summary>The server's admin connection string (database <c>aicompliance_test</c>).</summary>
    public static string ConnectionString => _connectionString ?? throw new InvalidOperationException("The PostgreSQL test server was not started.");

    /// <summary>The password of the run; tests check it never appears in a message.</summary>
    public static string Password => new NpgsqlConnectionStringBuilder(ConnectionString).Password!;

    /// <summary>Creates an empty database of its own for a test and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string? template = null)
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}{(template is null ? string.Empty : " TEMPLATE " + template)};", connection);
            await cmd.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Runs SQL on a database as the server's superuser, with the append-only triggers off (an attacker with database access).</summary>
    public static async Task ExecuteAsAttackerAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SET session_replication_role = replica; " + sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a scalar query.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    [OneTimeSetUp]
    public void Start()
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "postgres-test-server.sh");
        var (exit, stdout, stderr) = Run(script, "start");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _directory = lines.FirstOrDefault(l => l.StartsWith("PGTEST_DIR=", StringComparison.Ordinal))?["PGTEST_DIR=".Length..];
        var connection = lines.LastOrDefault(l => l.StartsWith("Host=", StringComparison.Ordinal));
        if (exit != 0 || connection is null || _directory is null)
        {
            Assert.Fail($"The PostgreSQL tests need a real server, and '{script} start' did not start one (exit {exit}). " +
                "It installs Debian's postgresql package when missing (needs root and apt) or uses an installed one under /usr/lib/postgresql. " +
                $"Its output:\n{stderr}");
        }

        _connectionString = connection;
    }

    [OneTimeTearDown]
    public void Stop()
    {
        NpgsqlConnection.ClearAllPools();
        if (_directory is not null)
        {
            var (exit, _, stderr) = Run(Path.Combine(RepositoryRoot(), "scripts", "postgres-test-server.sh"), "stop", _directory);
            Assert.That(exit, Is.EqualTo(0), $"Stopping the PostgreSQL test server failed: {stderr}");
        }
    }

    private static (int Exit, string Stdout, string Stderr) Run(string script, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash could not be started.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();

        // Installing the package on a fresh machine takes minutes; a hung apt or pg_ctl must still end the run.
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{script} {string.Join(' ', args)}' did not finish within 15 minutes.");
        }

        return (process.ExitCode, stdout, stderr.GetAwaiter().GetResult());
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "postgres-test-server.sh")))
            {
                return dir.FullName;
            }
        }

        Assert.Fail($"scripts/postgres-test-server.sh was not found above {AppContext.BaseDirectory}: the PostgreSQL tests run from the repository's build output.");
        return string.Empty;
    }
}
