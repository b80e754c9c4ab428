using System.Data;
using System.Data.Common;

namespace CommandGrid.Storage;

internal sealed record SqlParameterValue(string Name, object? Value, DbType Type);

/// <summary>
/// One SQL statement with its parameters, kept provider-neutral so the same statement can
/// run as a command or as one entry of a <see cref="DbBatch"/>.
/// </summary>
internal sealed record SqlStatement(string Sql, IReadOnlyList<SqlParameterValue> Parameters)
{
    public static SqlStatement Of(string sql, params SqlParameterValue[] parameters) => new(sql, parameters);

    public static SqlParameterValue Text(string name, string? value) => new(name, value, DbType.String);

    public static SqlParameterValue Int64(string name, long? value) => new(name, value, DbType.Int64);

    public DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.Transaction = transaction;
        BindTo(command);
        return command;
    }

    /// <summary>Gives <paramref name="command"/>, made for this statement's text, this statement's parameters in place of its own.</summary>
    public void BindTo(DbCommand command)
    {
        command.Parameters.Clear();
        foreach (var parameter in Parameters)
        {
            var p = command.CreateParameter();
            Fill(p, parameter);
            command.Parameters.Add(p);
        }
    }

    public void AddTo(DbBatch batch)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = Sql;
        foreach (var parameter in Parameters)
        {
            var p = command.CreateParameter();
            Fill(p, parameter);
            command.Parameters.Add(p);
        }
        batch.BatchCommands.Add(command);
    }

    private static void Fill(DbParameter target, SqlParameterValue source)
    {
        target.ParameterName = source.Name;
        // The type is set explicitly so that a NULL still reaches PostgreSQL as text or bigint.
        target.DbType = source.Type;
        target.Value = source.Value ?? DBNull.Value;
    }
}
