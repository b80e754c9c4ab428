using CommandGrid.Runtime.Reminders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Runtime.Storage;

public static class RelationalStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="RelationalStore"/> as the grain storage, indexed-state query,
    /// sequence store and reminder table, its <see cref="StorageStatistics"/>, and a hosted
    /// service that creates the schema at start and drains writes at stop.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (unknown provider, unsafe table or column name...).</exception>
    public static IServiceCollection AddRelationalStorage(this IServiceCollection services, Action<RelationalStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new RelationalStorageOptions();
        configure(options);
        // Bad names fail here, at configuration time, not at the first write.
        options.Validate();

        services.AddSingleton(options);
        services.AddSingleton(sp => new RelationalStore(options, sp.GetService<ILoggerFactory>()));
        services.AddSingleton<IGrainStorage>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<IIndexedStateQuery>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<ISequenceStore>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<IReminderTable>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton(sp => sp.GetRequiredService<RelationalStore>().Statistics);
        services.AddHostedService<RelationalStorageHostedService>();
        return services;
    }
}
