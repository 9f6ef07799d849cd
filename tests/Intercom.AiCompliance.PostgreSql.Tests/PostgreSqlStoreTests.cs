using Npgsql;

namespace Intercom.AiCompliance.PostgreSql.Tests;

[TestFixture]
public sealed class PostgreSqlStoreTests
{
    [Test]
    public async Task Open_AnEmptyDatabase_CreatesTheSchemaAndRecordsItsVersionOnce()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using (var first = PostgreSqlStore.Open(database, "a"))
        {
            (await first.ReadSchemaVersionsAsync()).Should().Equal(1);
        }

        await using var again = PostgreSqlStore.Open(database, "b");
        (await again.ReadSchemaVersionsAsync()).Should().Equal([1], "opening again applies nothing twice");
    }

    [Test]
    public async Task Open_ManyInstancesAtOnce_MigrateOnceWithoutRacing()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var stores = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => PostgreSqlStore.Open(database, $"i{i}"))));
        try
        {
            (await stores[0].ReadSchemaVersionsAsync()).Should().Equal(1);
        }
        finally
        {
            foreach (var s in stores)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Open_ADatabaseOfANewerSchemaVersion_IsRefused()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using (PostgreSqlStore.Open(database, "a"))
        {
        }

        await PostgresServer.ScalarAsync<object>(database, "INSERT INTO aicompliance.schema_version (version) VALUES (2);");

        var open = () => PostgreSqlStore.Open(database, "a");

        open.Should().Throw<InvalidOperationException>().WithMessage("*schema version 2, newer than this package's 1*");
    }

    [Test]
    public void Open_AWrongPassword_FailsWithoutThePasswordOrTheConnectionStringInAnyMessage()
    {
        const string wrong = "Wr0ng-Secret-Pa55word";
        var connectionString = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Password = wrong }.ConnectionString;

        var open = () => PostgreSqlStore.Open(connectionString, "a");

        var thrown = open.Should().Throw<PostgreSqlStoreException>().Which;
        thrown.SqlState.Should().Be("28P01", "the server refused the password");
        thrown.InnerException.Should().BeNull();
        thrown.ToString().Should().NotContain(wrong).And.NotContain(PostgresServer.Password).And.NotContain("Password=");
    }

    [Test]
    public void Open_AServerThatDoesNotAnswer_FailsWithoutThePassword()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Port = 1, Timeout = 3 }.ConnectionString;

        var open = () => PostgreSqlStore.Open(connectionString, "a");

        var thrown = open.Should().Throw<PostgreSqlStoreException>().Which;
        thrown.ToString().Should().NotContain(PostgresServer.Password).And.NotContain("Password=");
    }

    [Test]
    public void Open_AMalformedConnectionString_FailsWithoutRepeatingIt()
    {
        var open = () => PostgreSqlStore.Open("Host=localhost;Passwrd=TopSecret123;Database=x", "a");

        var thrown = open.Should().Throw<ArgumentException>().Which;
        thrown.ToString().Should().NotContain("TopSecret123").And.NotContain("Passwrd");
    }

    [Test]
    public void ToString_OfOptionsAndStore_NeverShowsTheConnectionString()
    {
        var options = new PostgreSqlStoreOptions { ConnectionString = PostgresServer.ConnectionString, InstanceId = "a" };

        options.ToString().Should().NotContain(PostgresServer.Password).And.Contain("not shown");
    }

    [TestCase("")]
    [TestCase("-starts-with-dash")]
    [TestCase("has space")]
    [TestCase("has/slash")]
    public void Open_AnInstanceIdOfTheWrongForm_IsRefused(string instanceId)
    {
        var open = () => PostgreSqlStore.Open(new PostgreSqlStoreOptions { ConnectionString = PostgresServer.ConnectionString, InstanceId = instanceId == string.Empty ? "é" : instanceId });

        open.Should().Throw<ArgumentException>().WithMessage("*instance id*");
    }
}
