using CommandGrid.Gateway;
using CommandGrid.Grains;
using CommandGrid.Runtime.Cluster;
using CommandGrid.Runtime.Hosting;
using CommandGrid.Runtime.Storage;

namespace CommandGrid.Silo;

/// <summary>
/// Builds a single node: storage, the grain runtime hosting the grains, and the gateway's
/// doors on the same Kestrel. Tests build it the same way, on a loopback port.
/// </summary>
public static class SiloApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var config = builder.Configuration;
        builder.Services.AddRelationalStorage(options =>
        {
            options.Provider = config["Storage:Provider"] ?? RelationalStorageOptions.Sqlite;
            options.ConnectionString = config["Storage:ConnectionString"] ?? "";
            options.MaxBatchSize = config.GetValue("Storage:MaxBatchSize", 256);
            foreach (var table in GridTables.All)
            {
                options.IndexedTables.Add(table);
            }
        });
        builder.Services.AddCommandGridGrainServices(config.GetSection("Commands"));
        if (config.GetValue("Cluster:Enabled", false))
        {
            // A cluster shares one PostgreSQL: it holds the grains' state and arbitrates membership.
            if (!string.Equals(config["Storage:Provider"], RelationalStorageOptions.Postgres, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("Cluster:Enabled=true needs Storage:Provider=postgres (the cluster's shared store).");
            }
            builder.Services.AddSiloClustering(config.GetSection("Cluster"), config["Storage:ConnectionString"] ?? "");
        }
        builder.Services.AddGrainRuntime(config.GetSection("Runtime"), runtime => runtime.AddCommandGridGrains());
        builder.Services.AddCommandGridGateway(config);
        builder.UseCommandGridEndpoints();
        customize?.Invoke(builder);

        var app = builder.Build();
        app.MapGet("/", () => Results.Redirect("/health"));
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapCommandGridGateway();
        return app;
    }
}
