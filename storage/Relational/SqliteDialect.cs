using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace CommandGrid.Storage;

/// <summary>The embedded default: one database file, written through one connection in WAL mode.</summary>
internal sealed class SqliteDialect : SqlDialect
{
    public const string DefaultConnectionString = "Data Source=data/commandgrid.db";

    private readonly string _connectionString;
    private readonly SemaphoreSlim _open;

    public SqliteDialect(string connectionString, int maxConnections)
    {
        _open = new SemaphoreSlim(Math.Max(2, maxConnections));
        var builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(connectionString) ? DefaultConnectionString : connectionString);
        // Readers come from the pool; without it every read would reopen the file.
        builder.Pooling = true;
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
        if (!IsInMemory(DataSource) && Path.GetDirectoryName(Path.GetFullPath(DataSource)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
    }

    public string DataSource { get; }

    public override string Name => RelationalStorageOptions.Sqlite;

    public override string Location => DataSource;

    public override string ColumnExistsQuery => "SELECT count(*) FROM pragma_table_info(@table) WHERE name = @column";

    public override string IndexNamesQuery => "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = @table";

    /// <summary>
    /// A connection from the pool, once fewer than the limit are open (RelationalStorageOptions.SqliteMaxConnections):
    /// the place is given back when the connection closes, so the pool never holds more than that many either.
    /// </summary>
    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        await _open.WaitAsync(cancellationToken);
        var released = 0;
        void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                _open.Release();
            }
        }
        var connection = new SqliteConnection(_connectionString);
        connection.StateChange += (_, change) =>
        {
            if (change.CurrentState == System.Data.ConnectionState.Closed)
            {
                Release();
            }
        };
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            Release();
            await connection.DisposeAsync();
            throw;
        }
    }

    // Microsoft.Data.Sqlite compiles a command's text once and keeps it for the command's life.
    public override bool KeepsWriterCommands => true;

    public override async Task PrepareWriterAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        // WAL lets readers run beside the writer; synchronous=FULL fsyncs at every commit,
        // which is what makes a completed write durable and what group commit amortises. The writer's page cache
        // (32 MB, against SQLite's 2 MB) holds the index pages a batch of inserts touches, instead of reading them again.
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA cache_size=-32768;";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; a disposed store should let it go.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    private static bool IsInMemory(string dataSource) =>
        dataSource.Length == 0 || dataSource.Equals(":memory:", StringComparison.OrdinalIgnoreCase) || dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
}
