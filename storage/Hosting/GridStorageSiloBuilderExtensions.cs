using CommandGrid.Metrics;
using CommandGrid.Storage.Orleans;
using CommandGrid.Storage.Queries;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace CommandGrid.Storage.Hosting;

public static class GridStorageSiloBuilderExtensions
{
    /// <summary>
    /// One relational store (SQLite or PostgreSQL) as the silo's default grain storage and its
    /// reminder table, with the grid's indexed tables, the query seam the grains ask through
    /// (<see cref="IGridQueries"/>) and the id sequences.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (unknown provider, unsafe table or column name...).</exception>
    public static ISiloBuilder AddRelationalGridStorage(this ISiloBuilder builder, Action<RelationalStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new RelationalStorageOptions();
        foreach (var table in GridTables.All)
        {
            options.IndexedTables.Add(table);
        }
        configure(options);
        // Bad names fail here, at configuration time, not at the first write.
        options.Validate();

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddGridMetrics();
        services.AddSingleton(sp => new RelationalStore(options, sp.GetRequiredService<GridMetrics>(), sp.GetService<ILoggerFactory>()));
        services.AddSingleton<IGridQueries>(sp => new RelationalGridQueries(sp.GetRequiredService<RelationalStore>()));
        services.AddSingleton<ISequenceStore>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => new RelationalStoreLifecycle(sp.GetRequiredService<RelationalStore>()));
        services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME,
            (sp, _) => new RelationalGrainStorage(sp.GetRequiredService<RelationalStore>()));
        services.AddSingleton<IReminderTable>(sp =>
        {
            var reminders = sp.GetRequiredService<IOptions<ReminderOptions>>().Value;
            return new OrleansReminderTable(
                sp.GetRequiredService<RelationalStore>(),
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                reminders.ReminderLoadingWindow + reminders.RefreshReminderListPeriod);
        });
        builder.AddReminders();
        return builder;
    }
}
