using CommandGrid.Metrics;
using CommandGrid.Storage;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace CommandGrid.Tests.Storage;

public sealed class StorageConfigurationTests
{
    [Theory]
    [InlineData("bad-name", "device")]
    [InlineData("commands", "created; DROP TABLE x")]
    [InlineData("1commands", "device")]
    [InlineData("grain_state", "device")]
    [InlineData("commands", "payload")]
    public void StorageOptions_RejectUnsafeOrReservedNames(string table, string column)
    {
        var options = new RelationalStorageOptions();
        options.IndexedTables.Add(new IndexedTableSpec("command", "state", table, [new IndexedColumn(column, "x", IndexedColumnKind.Text)]));
        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Theory]
    [InlineData("device")]
    [InlineData("device", "missing")]
    [InlineData("device", "device")]
    public void StorageOptions_RejectCompositeIndexesThatAreNotTwoDeclaredColumns(params string[] columns)
    {
        var options = new RelationalStorageOptions();
        options.IndexedTables.Add(new IndexedTableSpec("command", "state", "commands",
            [new IndexedColumn("device", "deviceId", IndexedColumnKind.Text), new IndexedColumn("status", "status", IndexedColumnKind.Text)],
            [columns]));
        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void StorageOptions_RejectUnknownProviderAndMissingPostgresConnection()
    {
        Assert.Throws<ArgumentException>(() => new RelationalStorageOptions { Provider = "mysql" }.Validate());
        Assert.Throws<ArgumentException>(() => new RelationalStorageOptions { Provider = "postgres" }.Validate());
        Assert.Throws<ArgumentException>(() => new RelationalStorageOptions { MaxBatchSize = 0 }.Validate());
    }

    [Fact]
    public async Task StorageRegistration_SqliteDefaultsToDataFolder()
    {
        using var folder = ScratchFolder.Create();
        var relative = Path.Combine(folder.Path, "nested", "grid.db");
        await using var meters = new ServiceCollection().AddGridMetrics().BuildServiceProvider();
        await using (var store = new RelationalStore(new RelationalStorageOptions { ConnectionString = $"Data Source={relative}" }, meters.GetRequiredService<GridMetrics>()))
        {
            await store.InitializeAsync();
            await store.WriteAsync("state", new StorageKey("device", "1"), "{}", null);
        }
        Assert.True(File.Exists(relative));
    }
}
