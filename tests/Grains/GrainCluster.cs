using CommandGrid.Grains;
using CommandGrid.Storage;
using CommandGrid.Storage.Hosting;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// The grains on Orleans' TestingHost: in-process silos with the project's own storage on a
/// store of the test's own (SQLite file, or a PostgreSQL schema when the suite runs on PostgreSQL).
/// </summary>
internal static class GrainCluster
{
    public static async Task<InProcessTestCluster> StartAsync(TestStorage storage, short silos = 1)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddRelationalGridStorage(options =>
            {
                options.Provider = storage.Provider;
                options.ConnectionString = storage.ConnectionString;
                foreach (var table in GridTables.All)
                {
                    options.IndexedTables.Add(table);
                }
            });
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Services.AddCommandGridGrainServices(null);
            silo.Services.Configure<GridOptions>(o => o.TtlReminderPeriodSeconds = 2);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
