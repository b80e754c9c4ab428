using CommandGrid.Mqtt.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CommandGrid.Mqtt.Transport;

public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// Registers the MQTT engine with <typeparamref name="TApplication"/> as its application, options bound from
    /// the <c>Mqtt</c> configuration section (then <paramref name="configure"/>), the Kestrel connection handler,
    /// and a hosted service that closes MQTT connections cleanly when the host stops.
    /// </summary>
    public static IServiceCollection AddMqttServer<TApplication>(this IServiceCollection services, Action<MqttServerOptions>? configure = null)
        where TApplication : class, IMqttApplication
    {
        services.TryAddSingleton<IMqttApplication, TApplication>();
        return services.AddMqttServerCore(configure);
    }

    /// <summary>As <see cref="AddMqttServer{TApplication}"/>, with an application instance built by the caller.</summary>
    public static IServiceCollection AddMqttServer(this IServiceCollection services, Func<IServiceProvider, IMqttApplication> application, Action<MqttServerOptions>? configure = null)
    {
        services.TryAddSingleton(application);
        return services.AddMqttServerCore(configure);
    }

    private static IServiceCollection AddMqttServerCore(this IServiceCollection services, Action<MqttServerOptions>? configure)
    {
        var options = services.AddOptions<MqttServerOptions>().BindConfiguration(MqttServerOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MqttServer>();
        services.TryAddSingleton<MqttConnectionHandler>();
        services.AddHostedService<MqttServerLifetime>();
        return services;
    }
}
