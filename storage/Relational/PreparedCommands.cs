using System.Data.Common;

namespace CommandGrid.Storage;

/// <summary>
/// The writer connection's commands, one per SQL text, kept for as long as the connection: Microsoft.Data.Sqlite keeps
/// a command's compiled statements until its text changes or it is disposed, so running a kept command again skips
/// SQLite's parse and plan (<c>sqlite3_prepare_v2</c>), which a new command per write paid every time (7.6 % of a
/// node's CPU samples while a fleet job created its executions, bench/README.md). PostgreSQL gets the same from
/// Npgsql's automatic preparation (<see cref="PostgresDialect"/>); with Npgsql commands kept and run again with new
/// parameters, the storage tests on PostgreSQL failed (inserts reported conflicts that were not there; not pursued,
/// as there is nothing to gain there). So a dialect keeps commands only when it says so
/// (<see cref="SqlDialect.KeepsWriterCommands"/>); otherwise each statement runs on a command of its own.
/// </summary>
/// <remarks>
/// The store's writes use a fixed set of texts (one insert, update and delete per table, a few more for reminders and
/// sequences); past <see cref="Capacity"/> a text is run on a command of its own and let go, so the set stays bounded
/// whatever a caller sends.
/// </remarks>
internal sealed class PreparedCommands(bool keep = true)
{
    public const int Capacity = 128;

    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>How many commands are kept.</summary>
    public int Count => _commands.Count;

    /// <summary>Runs <paramref name="statement"/> on <paramref name="connection"/> and returns its first column of its first row.</summary>
    public async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, SqlStatement statement)
    {
        if (!_commands.TryGetValue(statement.Sql, out var command))
        {
            if (!keep || _commands.Count >= Capacity)
            {
                await using var once = statement.CreateCommand(connection, transaction);
                return Value(await once.ExecuteScalarAsync());
            }
            command = statement.CreateCommand(connection, transaction);
            _commands.Add(statement.Sql, command);
        }
        else
        {
            command.Transaction = transaction;
            statement.BindTo(command);
        }
        return Value(await command.ExecuteScalarAsync());
    }

    /// <summary>Disposes every kept command: called before the connection they were made on goes.</summary>
    public async ValueTask ClearAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync();
        }
        _commands.Clear();
    }

    private static object? Value(object? value) => value is DBNull ? null : value;
}
