using System.Data.Common;

namespace CommandGrid.Storage;

/// <summary>
/// The tables the store needs. Every statement is idempotent so that any process may run
/// the whole schema at start, as often as it likes.
/// </summary>
internal static class StorageSchema
{
    private static readonly string[] Core =
    [
        "CREATE TABLE IF NOT EXISTS grain_state (grain_type TEXT NOT NULL, grain_key TEXT NOT NULL, state_name TEXT NOT NULL, " +
            "version BIGINT NOT NULL, payload TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (grain_type, grain_key, state_name))",
        "CREATE TABLE IF NOT EXISTS sequences (name TEXT NOT NULL PRIMARY KEY, next_value BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS reminders (grain_type TEXT NOT NULL, grain_key TEXT NOT NULL, name TEXT NOT NULL, " +
            "grain_hash BIGINT NOT NULL, due_at BIGINT NOT NULL, period_ms BIGINT NOT NULL, version BIGINT NOT NULL, " +
            "PRIMARY KEY (grain_type, grain_key, name))",
        "CREATE INDEX IF NOT EXISTS ix_reminders_grain_hash ON reminders (grain_hash)",
        // The reminder service's refresh reads only the reminders starting soon (OrleansReminderTable).
        "CREATE INDEX IF NOT EXISTS ix_reminders_due_at ON reminders (due_at)",
    ];

    public static async Task CreateAsync(SqlDialect dialect, IndexedTableCatalog catalog, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenConnectionAsync(cancellationToken);
        await dialect.PrepareWriterAsync(connection, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (dialect.SchemaLockStatement is { } lockStatement)
        {
            await ExecuteAsync(connection, transaction, lockStatement, cancellationToken);
        }
        foreach (var sql in Core)
        {
            await ExecuteAsync(connection, transaction, sql, cancellationToken);
        }
        foreach (var table in catalog.Tables)
        {
            await ExecuteAsync(connection, transaction, table.CreateTableStatement(), cancellationToken);
            foreach (var column in table.Spec.Columns)
            {
                if (!await ColumnExistsAsync(dialect, connection, transaction, table.Name, column.Name, cancellationToken))
                {
                    await ExecuteAsync(connection, transaction, table.AddColumnStatement(column), cancellationToken);
                }
            }
            var indexes = table.Indexes(dialect.IndexColumnOrder);
            // An index an older version declared and this one does not (a column's own, or a full one now partial):
            // left in place it would cost every write and serve no query.
            foreach (var name in await IndexNamesAsync(dialect, connection, transaction, table.Name, cancellationToken))
            {
                if (table.IsOwnIndex(name) && !indexes.ContainsKey(name))
                {
                    await ExecuteAsync(connection, transaction, $"DROP INDEX IF EXISTS {name}", cancellationToken);
                }
            }
            foreach (var sql in indexes.Values)
            {
                await ExecuteAsync(connection, transaction, sql, cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The names of the indexes on <paramref name="table"/>, the primary key's included.</summary>
    internal static async Task<List<string>> IndexNamesAsync(
        SqlDialect dialect, DbConnection connection, DbTransaction? transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = SqlStatement.Of(dialect.IndexNamesQuery, SqlStatement.Text("@table", table)).CreateCommand(connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }

    private static async Task<bool> ColumnExistsAsync(
        SqlDialect dialect, DbConnection connection, DbTransaction transaction, string table, string column, CancellationToken cancellationToken)
    {
        await using var command = SqlStatement.Of(dialect.ColumnExistsQuery, SqlStatement.Text("@table", table), SqlStatement.Text("@column", column))
            .CreateCommand(connection, transaction);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }
}
