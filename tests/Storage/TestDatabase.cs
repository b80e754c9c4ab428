using CommandGrid.Storage;
using CommandGrid.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

/// <summary>
/// One database a test runs against: a fresh SQLite file, or the PostgreSQL database named
/// by COMMANDGRID_TEST_POSTGRES (shared, so tests use random keys).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "COMMANDGRID_TEST_POSTGRES";
    public const string PostgresRequiredVariable = "COMMANDGRID_TEST_POSTGRES_REQUIRED";

    public static readonly IndexedTableSpec Commands = new(
        "test-command", "state", "test_commands",
        [
            new IndexedColumn("device", "deviceId", IndexedColumnKind.Text),
            new IndexedColumn("action", "action", IndexedColumnKind.Text),
            new IndexedColumn("status", "status", IndexedColumnKind.Text),
            new IndexedColumn("created", "created", IndexedColumnKind.Integer),
        ]);

    private readonly ScratchFolder? _sqliteFolder;
    private readonly List<RelationalStore> _stores = [];

    private TestDatabase(string provider, string connectionString, ScratchFolder? sqliteFolder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _sqliteFolder = sqliteFolder;
    }

    public static IEnumerable<object[]> Providers => [[RelationalStorageOptions.Sqlite], [RelationalStorageOptions.Postgres]];

    public string Provider { get; }

    public string ConnectionString { get; }

    /// <summary>The database for <paramref name="provider"/>, or null (reported to the output) when PostgreSQL is not configured.</summary>
    public static TestDatabase? TryCreate(string provider, ITestOutputHelper output)
    {
        if (provider == RelationalStorageOptions.Sqlite)
        {
            var folder = ScratchFolder.Create();
            return new TestDatabase(provider, $"Data Source={folder.File("test.db")}", folder);
        }
        var connectionString = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var message = $"PostgreSQL case NOT RUN: {PostgresVariable} is not set. " +
                $"Start a server with `export {PostgresVariable}=$(scripts/postgres-test-server.sh start | tail -1)`.";
            if (Environment.GetEnvironmentVariable(PostgresRequiredVariable) == "1")
            {
                throw new InvalidOperationException(message + $" ({PostgresRequiredVariable}=1 makes this a failure.)");
            }
            output.WriteLine(message);
            Console.Error.WriteLine(message);
            return null;
        }
        return new TestDatabase(provider, connectionString, null);
    }

    public RelationalStorageOptions Options(int maxBatchSize = 256) => new()
    {
        Provider = Provider,
        ConnectionString = ConnectionString,
        MaxBatchSize = maxBatchSize,
        IndexedTables = [Commands],
    };

    public async Task<RelationalStore> OpenStoreAsync(int maxBatchSize = 256)
    {
        var store = new RelationalStore(Options(maxBatchSize));
        _stores.Add(store);
        await store.InitializeAsync();
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
        _sqliteFolder?.Dispose();
    }

    public static string NewKey(string prefix = "k") => $"{prefix}-{Guid.NewGuid():N}";
}
