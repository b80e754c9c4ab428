using CommandGrid.Runtime.Messaging;
using CommandGrid.Runtime.Observers;
using CommandGrid.Runtime.Reminders;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CommandGrid.Runtime.Hosting;

public static class RuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Registers a silo's runtime: catalog, grain factory, reminders, idle collection.
    /// Register the storage first, so its schema exists before reminders load.
    /// </summary>
    public static IServiceCollection AddGrainRuntime(this IServiceCollection services, IConfiguration? configuration, Action<GrainRuntimeBuilder> configure)
    {
        var registry = new GrainTypeRegistry();
        configure(new GrainRuntimeBuilder(registry));
        services.AddSingleton(registry);
        if (configuration is not null)
        {
            services.Configure<RuntimeOptions>(configuration);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ObserverRegistry>();
        services.AddSingleton<Catalog>();
        services.TryAddSingleton<IMessageRouter, LocalMessageRouter>();
        services.AddSingleton<GrainRuntime>();
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainRuntime>());
        services.AddSingleton<ReminderService>();
        services.AddSingleton<IReminderRegistry>(sp => sp.GetRequiredService<ReminderService>());
        services.AddHostedService(sp => sp.GetRequiredService<ReminderService>());
        services.AddHostedService<ActivationCollector>();
        return services;
    }
}
