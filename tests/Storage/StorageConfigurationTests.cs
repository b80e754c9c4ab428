using CommandGrid.Runtime;
using CommandGrid.Runtime.Reminders;
using CommandGrid.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

public sealed class StorageConfigurationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("bad-name", "device")]
    [InlineData("commands", "created; DROP TABLE x")]
    [InlineData("1commands", "device")]
    [InlineData("grain_state", "device")]
    [InlineData("commands", "payload")]
    public void StorageOptions_RejectUnsafeOrReservedNames(string table, string column)
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentException>(() => services.AddRelationalStorage(o =>
            o.IndexedTables.Add(new IndexedTableSpec("command", "state", table, [new IndexedColumn(column, "x", IndexedColumnKind.Text)]))));
    }

    [Fact]
    public void StorageOptions_RejectUnknownProviderAndMissingPostgresConnection()
    {
        Assert.Throws<ArgumentException>(() => new RelationalStorageOptions { Provider = "mysql" }.Validate());
        Assert.Throws<ArgumentException>(() => new RelationalStorageOptions { Provider = "postgres" }.Validate());
        Assert.Throws<ArgumentException>(() => new RelationalStorageOptions { MaxBatchSize = 0 }.Validate());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task StorageRegistration_OneStoreServesEveryInterface(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddRelationalStorage(o =>
        {
            o.Provider = db.Provider;
            o.ConnectionString = db.ConnectionString;
            o.IndexedTables.Add(TestDatabase.Commands);
        });
        using var host = builder.Build();
        await host.StartAsync();

        var store = host.Services.GetRequiredService<RelationalStore>();
        Assert.Same(store, host.Services.GetRequiredService<IGrainStorage>());
        Assert.Same(store, host.Services.GetRequiredService<IIndexedStateQuery>());
        Assert.Same(store, host.Services.GetRequiredService<ISequenceStore>());
        Assert.Same(store, host.Services.GetRequiredService<IReminderTable>());
        Assert.Same(store.Statistics, host.Services.GetRequiredService<StorageStatistics>());

        var grain = new GrainId("device", TestDatabase.NewKey());
        var pending = host.Services.GetRequiredService<IGrainStorage>().WriteAsync("state", grain, "{}", null);
        await host.StopAsync();
        Assert.Equal("1", await pending);
        Assert.Equal(1, store.Statistics.OperationsWritten);
    }

    [Fact]
    public async Task StorageRegistration_SqliteDefaultsToDataFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "commandgrid-tests", Guid.NewGuid().ToString("N"));
        var relative = Path.Combine(folder, "nested", "grid.db");
        await using (var store = new RelationalStore(new RelationalStorageOptions { ConnectionString = $"Data Source={relative}" }))
        {
            await store.InitializeAsync();
            await store.WriteAsync("state", new GrainId("device", "1"), "{}", null);
        }
        Assert.True(File.Exists(relative));
        Directory.Delete(folder, recursive: true);
    }
}
