using Npgsql;

namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// A fresh, private store for one test: a SQLite file in a scratch folder (removed on Dispose), or, when the suite
/// runs against PostgreSQL (COMMANDGRID_TEST_STORAGE=postgres), a schema of its own in the test database (the
/// throwaway server goes as a whole). Keep the instance to restart a server on the same data.
/// </summary>
public sealed class TestStorage : IDisposable
{
    private readonly ScratchFolder? _folder;

    private TestStorage(string provider, string connectionString, ScratchFolder? folder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _folder = folder;
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public static bool UsePostgres =>
        string.Equals(Environment.GetEnvironmentVariable("COMMANDGRID_TEST_STORAGE"), "postgres", StringComparison.OrdinalIgnoreCase);

    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("COMMANDGRID_TEST_POSTGRES")
        ?? throw new InvalidOperationException("PostgreSQL tests (COMMANDGRID_TEST_STORAGE=postgres, and every cluster test) need COMMANDGRID_TEST_POSTGRES: " +
            "export COMMANDGRID_TEST_POSTGRES=$(scripts/postgres-test-server.sh start | tail -1)");

    public static async Task<TestStorage> CreateAsync()
    {
        if (!UsePostgres)
        {
            var folder = ScratchFolder.Create();
            return new TestStorage("sqlite", $"Data Source={folder.File("grid.db")}", folder);
        }
        return await CreatePostgresAsync();
    }

    /// <summary>A fresh schema in the test PostgreSQL, whatever COMMANDGRID_TEST_STORAGE says (clusters always need PostgreSQL).</summary>
    public static async Task<TestStorage> CreatePostgresAsync()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new TestStorage("postgres", new NpgsqlConnectionStringBuilder(PostgresConnectionString) { SearchPath = schema }.ConnectionString, null);
    }

    public void Dispose() => _folder?.Dispose();
}
