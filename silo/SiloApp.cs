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
        builder.Services.AddCommandGridGrainServices(config.GetSection("Commands"));
        SiloClustering.AddMembershipSchema(builder);
        builder.UseOrleans(silo =>
        {
            silo.AddRelationalGridStorage(options =>
            {
                options.Provider = config["Storage:Provider"] ?? RelationalStorageOptions.Sqlite;
                options.ConnectionString = config["Storage:ConnectionString"] ?? "";
                options.MaxBatchSize = config.GetValue("Storage:MaxBatchSize", 256);
            });
            SiloClustering.Configure(builder, silo);
            // TTL reminders tick every few seconds after their due time until the command is final.
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
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
        app.MapGet("/", () => Results.Redirect("/health"));
        app.MapCommandGridOperations(role: "silo");
        app.MapCommandGridGateway();
        return app;
    }
}
