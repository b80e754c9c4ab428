using System.Data.Common;

namespace CommandGrid.Storage;

/// <summary>
/// What differs between SQLite and PostgreSQL. Kept small on purpose: the statements
/// themselves (upserts, conditional updates, RETURNING) are written once for both.
/// </summary>
internal abstract class SqlDialect : IAsyncDisposable
{
    public abstract string Name { get; }

    /// <summary>A short description of where the data lives, for logs (never with secrets).</summary>
    public abstract string Location { get; }

    public abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Session settings the group-commit connection needs for durable commits.</summary>
    public virtual Task PrepareWriterAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Whether the writer keeps a command per SQL text to run it again (<see cref="PreparedCommands"/>).</summary>
    public virtual bool KeepsWriterCommands => false;

    /// <summary>Runs first in the schema transaction so that processes starting together do not race on CREATE.</summary>
    public virtual string? SchemaLockStatement => null;

    /// <summary>Suffix of an indexed column in CREATE INDEX so the index matches the "NULLs first" sort order.</summary>
    public virtual string IndexColumnOrder => "";

    /// <summary>A query counting the columns named @column of table @table (0 or 1), for schema migrations.</summary>
    public abstract string ColumnExistsQuery { get; }

    /// <summary>A query listing the names of the indexes on table @table, for schema migrations.</summary>
    public abstract string IndexNamesQuery { get; }

    public static SqlDialect Create(RelationalStorageOptions options) =>
        options.IsPostgres ? new PostgresDialect(options.ConnectionString) : new SqliteDialect(options.ConnectionString, options.SqliteMaxConnections);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
