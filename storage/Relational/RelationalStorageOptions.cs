namespace CommandGrid.Storage;

/// <summary>Configuration of the relational (SQLite or PostgreSQL) grain store.</summary>
public sealed class RelationalStorageOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>"sqlite" (the embedded default) or "postgres".</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>ADO.NET connection string; for SQLite an empty one means <c>Data Source=data/commandgrid.db</c>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Grain states that live in tables of their own with queryable columns.</summary>
    public IList<IndexedTableSpec> IndexedTables { get; set; } = new List<IndexedTableSpec>();

    /// <summary>The most writes one group-commit transaction carries.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// SQLite: the most connections open at once (the writer's included); a reader past it waits for one. Each holds
    /// descriptors (the database and its WAL), and Microsoft.Data.Sqlite's pool opens one per concurrent read without
    /// a bound: a burst of reads (a reconnect storm's logins, each reading its device) took every descriptor the process
    /// had. 32 is more than two cores can read through at once. PostgreSQL's pool has its own bound (Max Pool Size).
    /// </summary>
    public int SqliteMaxConnections { get; set; } = 32;

    /// <summary>Throws <see cref="ArgumentException"/> when the options cannot describe a working store.</summary>
    public void Validate()
    {
        if (!string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Unknown storage provider '{Provider}'; use '{Sqlite}' or '{Postgres}'.", nameof(Provider));
        }
        if (MaxBatchSize < 1)
        {
            throw new ArgumentException($"MaxBatchSize must be at least 1, not {MaxBatchSize}.", nameof(MaxBatchSize));
        }
        if (string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("The postgres storage provider needs a connection string.", nameof(ConnectionString));
        }
        IndexedTableCatalog.Validate(IndexedTables);
    }

    internal bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);
}
