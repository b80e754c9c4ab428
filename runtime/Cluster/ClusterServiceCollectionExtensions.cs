using CommandGrid.Runtime.Hosting;
using CommandGrid.Runtime.Messaging;
using CommandGrid.Runtime.Observers;
using CommandGrid.Runtime.Reminders;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Runtime.Cluster;

public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Makes this process a silo of a cluster. Call before <see cref="RuntimeServiceCollectionExtensions.AddGrainRuntime"/>,
    /// whose local router it replaces. <paramref name="section"/> is the "Cluster" configuration section.
    /// </summary>
    public static IServiceCollection AddSiloClustering(this IServiceCollection services, IConfiguration section, string connectionString,
        Action<ClusterOptions>? configure = null)
    {
        services.AddClusterMembership(section, connectionString, MemberRole.Silo, configure);
        // Reminders wait for the ring to tell this silo its ranges.
        services.Configure<ReminderOptions>(o => o.StartWithWholeRing = false);
        services.AddSingleton<SiloOwnership>();
        services.AddSingleton<ClusterMessageRouter>();
        services.AddSingleton<IMessageRouter>(sp => sp.GetRequiredService<ClusterMessageRouter>());
        services.AddHostedService<SiloClusterHostedService>();
        return services;
    }

    /// <summary>
    /// Makes this process a cluster client (a gateway): a grain factory and observers whose calls go
    /// to the silos, without any catalog of its own.
    /// </summary>
    public static IServiceCollection AddClusterClient(this IServiceCollection services, IConfiguration section, string connectionString,
        IConfiguration? runtimeSection = null, Action<ClusterOptions>? configure = null)
    {
        services.AddClusterMembership(section, connectionString, MemberRole.Gateway, configure);
        if (runtimeSection is not null)
        {
            services.Configure<RuntimeOptions>(runtimeSection);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ObserverRegistry>();
        services.AddSingleton<ClusterMessageRouter>();
        services.AddSingleton<IMessageRouter>(sp => sp.GetRequiredService<ClusterMessageRouter>());
        services.AddSingleton<GrainRuntime>();
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainRuntime>());
        services.AddHostedService<ClusterClientHostedService>();
        return services;
    }

    /// <summary>The membership table, this member's view of it, and the TCP transport.</summary>
    public static IServiceCollection AddClusterMembership(this IServiceCollection services, IConfiguration section, string connectionString,
        MemberRole role, Action<ClusterOptions>? configure = null)
    {
        services.AddOptions<ClusterOptions>()
            .Bind(section)
            .Configure(o =>
            {
                if (string.IsNullOrEmpty(o.ConnectionString))
                {
                    o.ConnectionString = connectionString;
                }
                configure?.Invoke(o);
            });
        services.AddSingleton(sp => new MembershipService(
            sp.GetRequiredService<IOptions<ClusterOptions>>(), role, sp.GetRequiredService<ILogger<MembershipService>>()));
        services.AddSingleton<ClusterTransport>();
        return services;
    }
}
