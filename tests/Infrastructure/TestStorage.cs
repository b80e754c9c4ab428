using Npgsql;

namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// A fresh, private store for one test: a temp SQLite file, or, when the suite runs against
/// PostgreSQL (COMMANDGRID_TEST_STORAGE=postgres), a schema of its own in the test database.
/// Keep the instance to restart a server on the same data.
/// </summary>
public sealed record TestStorage(string Provider, string ConnectionString)
{
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
            var folder = Path.Combine(Path.GetTempPath(), "commandgrid-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            return new TestStorage("sqlite", $"Data Source={Path.Combine(folder, "grid.db")}");
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
        return new TestStorage("postgres", new NpgsqlConnectionStringBuilder(PostgresConnectionString) { SearchPath = schema }.ConnectionString);
    }
}
