using CommandGrid.Grains.Commands;
using CommandGrid.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CommandGrid.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>What the grains need beside Orleans and the storage: their options, the id generator, the overdue sweep and the grid's metrics.</summary>
    public static IServiceCollection AddCommandGridGrainServices(this IServiceCollection services, IConfiguration? commandsSection)
    {
        if (commandsSection is not null)
        {
            services.Configure<GridOptions>(commandsSection);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddGridMetrics();
        services.AddSingleton<CommandIdGenerator>();
        services.AddSingleton<OverdueCommandSweeper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<OverdueCommandSweeper>());
        return services;
    }
}
