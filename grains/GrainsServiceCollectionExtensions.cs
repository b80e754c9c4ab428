using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Devices;
using CommandGrid.Grains.Queries;
using CommandGrid.Runtime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CommandGrid.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>The services the grains need; call <see cref="AddCommandGridGrains(GrainRuntimeBuilder)"/> inside AddGrainRuntime.</summary>
    public static IServiceCollection AddCommandGridGrainServices(this IServiceCollection services, IConfiguration? commandsSection)
    {
        if (commandsSection is not null)
        {
            services.Configure<GridOptions>(commandsSection);
        }
        services.AddSingleton<CommandIdGenerator>();
        return services;
    }

    public static GrainRuntimeBuilder AddCommandGridGrains(this GrainRuntimeBuilder builder) => builder
        .AddGrain<DeviceGrain>()
        .AddGrain<CommandGrain>()
        .AddGrain<ClientTokenGrain>()
        .AddGrain<CommandFeedGrain>()
        .AddGrain<FleetQueryGrain>();
}
