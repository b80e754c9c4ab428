using CommandGrid.Gateway;
using CommandGrid.Gateway.Operations;
using CommandGrid.Grains;
using CommandGrid.Grains.Cluster;
using CommandGrid.Storage;
using CommandGrid.Storage.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace CommandGrid.Silo;

/// <summary>
/// Builds a silo: Orleans hosting the grains on the project's storage, and the gateway's doors
/// on the same Kestrel, calling the grains in-process. Tests build it the same way, on loopback ports.
/// </summary>
public static class SiloApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var config = builder.Configuration;
        var reminderPeriods = ReminderPeriods.From(config);
        ReminderPeriods.QuietValidator(builder.Logging);
        builder.Services.AddCommandGridGrainServices(config.GetSection("Commands"), config.GetSection("Jobs"));
        SiloClustering.AddMembershipSchema(builder);
        builder.UseOrleans(silo =>
        {
            silo.AddRelationalGridStorage(options =>
            {
                options.Provider = config["Storage:Provider"] ?? RelationalStorageOptions.Sqlite;
                options.ConnectionString = config["Storage:ConnectionString"] ?? "";
                options.MaxBatchSize = config.GetValue("Storage:MaxBatchSize", 256);
                options.SqliteMaxConnections = config.GetValue("Storage:SqliteMaxConnections", options.SqliteMaxConnections);
            });
            SiloClustering.Configure(builder, silo);
            silo.Configure<ReminderOptions>(o =>
            {
                // The shortest period the grid's own reminders use (a job's tick, a TTL's repeat); why: ReminderPeriods.
                o.MinimumReminderPeriod = reminderPeriods.Minimum;
                // Orleans keeps a removed reminder's local entry until its next read of the reminder table, and every
                // final command removes one: at 1,500 commands/s its default (5 minutes) held 450,000 of them, about
                // 1 KB each. A read a minute bounds that to a minute of traffic; only reminders due within the loading
                // window are held ticking, the rest wait in the table.
                o.RefreshReminderListPeriod = config.GetValue("Runtime:ReminderRefreshPeriod", TimeSpan.FromMinutes(1));
                o.ReminderLoadingWindow = config.GetValue("Runtime:ReminderLoadingWindow", 2 * o.RefreshReminderListPeriod);
            });
            // Orleans caches the address of every grain called, and evicts only past CacheSize (default 1,000,000): with
            // an execution per command that is a million stale addresses, about 260 MB, filled by 8 minutes of full load.
            silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = config.GetValue("Runtime:DirectoryCacheSize", 100_000));
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = config.GetValue("Runtime:ResponseTimeout", TimeSpan.FromSeconds(5)));
            silo.Configure<GrainCollectionOptions>(o =>
            {
                // Devices, feeds and the id allocator; executions have their own, shorter age (Commands:IdleSeconds).
                o.CollectionAge = config.GetValue("Runtime:IdleTimeout", TimeSpan.FromMinutes(2));
                // A backstop: past the limit Orleans deactivates the activations closest to their age first.
                o.EnableActivationSheddingOnMemoryPressure = config.GetValue("Runtime:ShedOnMemoryPressure", true);
            });
            if (OperationsEndpoints.DashboardEnabled(config))
            {
                silo.AddDashboard(o => OperationsEndpoints.ConfigureDashboard(o, config));
                OperationsEndpoints.ConfigureGrainProfiling(silo.Services, config);
            }
        });
        builder.Services.AddCommandGridGateway(config);
        builder.Services.AddSingleton<IActiveSilosListener, ClusterChangeSignalListener>();
        builder.Services.AddCommandGridOperations()
            .AddCheck<SiloStorageHealthCheck>("storage", timeout: TimeSpan.FromSeconds(5))
            .AddCheck<SiloMembershipHealthCheck>("membership");
        builder.UseCommandGridEndpoints();
        customize?.Invoke(builder);

        var app = builder.Build();
        reminderPeriods.LogChoice(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ReminderPeriods)));
        app.MapCommandGridOperations(role: "silo");
        app.MapCommandGridGateway();
        return app;
    }
}
