using CommandGrid.Metrics;
using CommandGrid.Storage;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

/// <summary>
/// One database a test runs against: a fresh SQLite file, or the PostgreSQL database named
/// by COMMANDGRID_TEST_POSTGRES (shared, so tests use random keys), and the metrics its stores record on,
/// a meter factory of the test's own.
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
    private readonly ServiceProvider _meters = new ServiceCollection().AddGridMetrics().BuildServiceProvider();

    private TestDatabase(string provider, string connectionString, ScratchFolder? sqliteFolder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _sqliteFolder = sqliteFolder;
    }

    public static IEnumerable<object[]> Providers => [[RelationalStorageOptions.Sqlite], [RelationalStorageOptions.Postgres]];

    public string Provider { get; }

    public string ConnectionString { get; }

    /// <summary>What this database's stores record on; pass it to a store a test builds itself.</summary>
    public GridMetrics Metrics => _meters.GetRequiredService<GridMetrics>();

    /// <summary>Collects one of <see cref="Metrics"/>' instruments from now on.</summary>
    public MetricCollector<T> Collect<T>(string instrument) where T : struct => _meters.Collect<T>(instrument);

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

    /// <param name="table">An indexed table of the test's own, beside <see cref="Commands"/>.</param>
    public async Task<RelationalStore> OpenStoreAsync(int maxBatchSize = 256, IndexedTableSpec? table = null)
    {
        var options = Options(maxBatchSize);
        if (table is not null)
        {
            options.IndexedTables.Add(table);
        }
        var store = new RelationalStore(options, Metrics);
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
        await _meters.DisposeAsync();
        _sqliteFolder?.Dispose();
    }

    public static string NewKey(string prefix = "k") => $"{prefix}-{Guid.NewGuid():N}";
}
