using CommandGrid.Gateway.Hosting;
using CommandGrid.Gateway.Operations;
using CommandGrid.Gateway.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;

namespace CommandGrid.Gateway;

/// <summary>
/// Builds a standalone gateway: the doors on a Kestrel of their own, calling the grains of a
/// cluster as an Orleans client. It finds the silos' gateway endpoints in the cluster's
/// membership table (Cluster:ClusterId, Storage:ConnectionString) and holds no grain and no
/// state itself, so any number run side by side.
/// </summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var config = builder.Configuration;
        var connectionString = config["Storage:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("A gateway needs Storage:ConnectionString: the cluster's PostgreSQL, where it finds the silos.");
        }
        builder.UseOrleansClient(client =>
        {
            ConfigureClient(client, config, connectionString);
            // The dashboard's pages and API here; its data comes from the silos' dashboard services.
            if (OperationsEndpoints.DashboardEnabled(config))
            {
                client.AddDashboard(o => OperationsEndpoints.ConfigureDashboard(o, config));
            }
        });
        builder.Services.AddCommandGridGateway(config);
        builder.Services.AddCommandGridOperations()
            .AddCheck<GatewayStorageHealthCheck>("storage", timeout: TimeSpan.FromSeconds(5))
            .AddCheck<GatewayMembershipHealthCheck>("membership", timeout: TimeSpan.FromSeconds(5));
        builder.UseCommandGridEndpoints();
        customize?.Invoke(builder);

        var app = builder.Build();
        app.MapCommandGridOperations(role: "gateway");
        app.MapCommandGridGateway();
        return app;
    }

    private static void ConfigureClient(IClientBuilder client, IConfiguration config, string connectionString)
    {
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = config["Cluster:ClusterId"] ?? GridClusterDefaults.ClusterId;
            o.ServiceId = GridClusterDefaults.ServiceId;
        });
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = GridClusterDefaults.PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        // A silo that died drops out of the gateway list within seconds, not Orleans' default minute.
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = config.GetValue("Cluster:GatewayListRefreshPeriod", TimeSpan.FromSeconds(2)));
        client.AddClusterConnectionStatusObserver<GatewayCountObserver>();
        client.AddOutgoingGrainCallFilter<DoorCallMarker>();
        if (ClusterTls.IsEnabled(config))
        {
            ClusterTls.AddClusterTls(client.Services, config);
            client.Configure<ClientConnectionOptions>(o => o.ConfigureConnection(c => c.UseClientTls(c.ApplicationServices.GetRequiredService<ClusterTls>().Options)));
        }
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = config.GetValue("Runtime:ResponseTimeout", TimeSpan.FromSeconds(5)));
        // Gateways may start before any silo is up: keep trying for a while rather than fail at once.
        var connectFor = config.GetValue("Cluster:ConnectTimeout", TimeSpan.FromMinutes(2));
        var started = DateTime.UtcNow;
        client.UseConnectionRetryFilter(async (_, cancellationToken) =>
        {
            if (DateTime.UtcNow - started > connectFor)
            {
                return false;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        });
    }
}
