using System.Data.Common;
using Npgsql;

namespace CommandGrid.Storage;

/// <summary>PostgreSQL for clusters: several silos share the database and its row locks.</summary>
internal sealed class PostgresDialect : SqlDialect
{
    // An arbitrary constant every CommandGrid process agrees on; it only names the lock.
    private const long SchemaLockKey = 0x436d6447726964; // "CmdGrid"

    // The grid runs a handful of statements millions of times (a state write per change): prepared once per
    // connection, PostgreSQL stops parsing and planning each one (bench/README.md). A connection string with its own
    // positive "Max Auto Prepare" keeps it.
    private const int AutoPreparedStatements = 64;
    private const int UsesBeforePreparing = 3;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresDialect(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
            builder.AutoPrepareMinUsages = UsesBeforePreparing;
        }
        _dataSource = NpgsqlDataSource.Create(builder);
        Location = $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    public override string Name => RelationalStorageOptions.Postgres;

    public override string Location { get; }

    public override string ColumnExistsQuery =>
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table AND column_name = @column";

    public override string IndexNamesQuery => "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = @table";

    public override string? SchemaLockStatement => $"SELECT pg_advisory_xact_lock({SchemaLockKey})";

    public override string IndexColumnOrder => " NULLS FIRST";

    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
