using CommandGrid.Grains.Cluster;
using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Devices;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Grains.Jobs;
using CommandGrid.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;

namespace CommandGrid.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>
    /// What the grains need beside Orleans and the storage: their options, the command-id allocator,
    /// the watcher of the active silos and the overdue sweep it drives, the grid's metrics, and how long
    /// executions stay in memory when idle, and what each silo knows of the command feeds' subscribers.
    /// </summary>
    public static IServiceCollection AddCommandGridGrainServices(this IServiceCollection services, IConfiguration? commandsSection, IConfiguration? jobsSection = null)
    {
        if (commandsSection is not null)
        {
            services.Configure<GridOptions>(commandsSection);
        }
        if (jobsSection is not null)
        {
            services.Configure<JobOptions>(jobsSection);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddGridMetrics();
        services.TryAddSingleton<CommandIdAllocator>();
        services.AddSingleton<ActiveSilosWatcher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ActiveSilosWatcher>());
        services.AddSingleton<CommandFeedPresence>();
        services.AddSingleton<CommandFeedPresenceClient>();
        services.AddGrainService<CommandFeedPresenceService>();
        services.AddPlacementDirector<DoorLocalPlacement, DoorLocalPlacementDirector>();
        services.AddSingleton<OverdueCommandSweeper>();
        services.AddSingleton<IActiveSilosListener>(sp => sp.GetRequiredService<OverdueCommandSweeper>());
        services.AddOptions<GrainCollectionOptions>().Configure<IOptions<GridOptions>>(ConfigureCollection);
        return services;
    }

    // Executions are many and short: theirs is the short age. Devices, feeds and the allocator keep the silo's.
    private static void ConfigureCollection(GrainCollectionOptions collection, IOptions<GridOptions> grid)
    {
        var idle = TimeSpan.FromSeconds(Math.Max(1, grid.Value.IdleSeconds));
        collection.ClassSpecificCollectionAge[typeof(CommandGrain).FullName!] = idle;
        collection.ClassSpecificCollectionAge[typeof(ClientTokenGrain).FullName!] = idle;
        // The collector looks for idle activations once a quantum, so an age is kept to within a quantum.
        if (collection.CollectionQuantum > idle / 3)
        {
            collection.CollectionQuantum = idle / 3;
        }
    }
}
