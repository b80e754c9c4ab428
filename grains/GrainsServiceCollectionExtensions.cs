using CommandGrid.Grains.Cluster;
using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CommandGrid.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>
    /// What the grains need beside Orleans and the storage: their options, the command-id allocator,
    /// the watcher of the active silos and the overdue sweep it drives, and the grid's metrics.
    /// </summary>
    public static IServiceCollection AddCommandGridGrainServices(this IServiceCollection services, IConfiguration? commandsSection)
    {
        if (commandsSection is not null)
        {
            services.Configure<GridOptions>(commandsSection);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddGridMetrics();
        services.TryAddSingleton<CommandIdAllocator>();
        services.AddSingleton<ActiveSilosWatcher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ActiveSilosWatcher>());
        services.AddSingleton<OverdueCommandSweeper>();
        services.AddSingleton<IActiveSilosListener>(sp => sp.GetRequiredService<OverdueCommandSweeper>());
        return services;
    }
}
