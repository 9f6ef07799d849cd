using Npgsql;

namespace Intercom.AiCompliance.PostgreSql;

/// <summary>
/// A PostgreSQL operation of the store failed. The message names the operation, the Npgsql exception's type and the
/// server's SQLSTATE code; it never holds the connection string, and there is no inner exception: Npgsql's own
/// messages may name the host, the user or a value that was being written.
/// </summary>
public sealed class PostgreSqlStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PostgreSqlStoreException()
        : this("A PostgreSQL operation of the store failed.")
    {
    }

    /// <summary>Creates the exception with a message that holds no secret.</summary>
    public PostgreSqlStoreException(string message)
        : base(message)
    {
    }

    /// <summary>The server's SQLSTATE code, when the server answered (for example <c>28P01</c> for a wrong password).</summary>
    public string? SqlState { get; private init; }

    /// <summary>The type of the exception that was replaced.</summary>
    public string? ErrorType { get; private init; }

    /// <summary>Replaces a database exception with one that says what failed without anything the original carried.</summary>
    /// <param name="operation">What the store was doing, for example "open the database".</param>
    /// <param name="exception">The original exception; only its type and SQLSTATE are kept.</param>
    public static PostgreSqlStoreException From(string operation, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var state = exception is PostgresException pg ? pg.SqlState : (exception as NpgsqlException)?.SqlState;
        var type = exception.GetType().Name;
        return new PostgreSqlStoreException(
            $"The PostgreSQL store could not {operation} ({type}{(state is null ? string.Empty : ", SQLSTATE " + state)}). The connection string and the server's message are not repeated here.")
        {
            SqlState = state,
            ErrorType = type,
        };
    }
}
