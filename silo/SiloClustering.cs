using System.Net;
using CommandGrid.Gateway.Hosting;
using CommandGrid.Gateway.Tls;
using Orleans.Configuration;

namespace CommandGrid.Silo;

/// <summary>
/// How a silo finds the others: alone with localhost clustering (the one-node default), or
/// with Orleans' ADO.NET clustering on the cluster's PostgreSQL (Cluster:Enabled=true).
/// </summary>
internal static class SiloClustering
{
    /// <summary>
    /// In a cluster, creates or migrates the membership schema before Orleans starts: call it before
    /// UseOrleans, so this hosted service is registered (and started) ahead of the silo's own.
    /// </summary>
    public static void AddMembershipSchema(WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue("Cluster:Enabled", false) && builder.Configuration["Storage:ConnectionString"] is { Length: > 0 } connectionString)
        {
            builder.Services.AddHostedService(_ => new ClusteringSchemaService(connectionString));
        }
    }

    public static void Configure(WebApplicationBuilder builder, ISiloBuilder silo)
    {
        var config = builder.Configuration;
        var cluster = config.GetSection("Cluster");
        var clusterId = cluster["ClusterId"] ?? GridClusterDefaults.ClusterId;
        var siloPort = cluster.GetValue("SiloPort", EndpointOptions.DEFAULT_SILO_PORT);
        if (!cluster.GetValue("Enabled", false))
        {
            // No gateway port: the doors on this Kestrel call the silo in-process.
            silo.UseLocalhostClustering(siloPort, cluster.GetValue("GatewayPort", 0), serviceId: GridClusterDefaults.ServiceId, clusterId: clusterId);
            return;
        }
        // A cluster shares one PostgreSQL: it holds the grains' state and the membership table.
        if (!string.Equals(config["Storage:Provider"], "postgres", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("Cluster:Enabled=true needs Storage:Provider=postgres (the cluster's shared store).");
        }
        var connectionString = config["Storage:ConnectionString"]!;
        var advertised = IPAddress.Parse(cluster["AdvertisedHost"] ?? "127.0.0.1");
        silo.ConfigureEndpoints(advertised, siloPort, cluster.GetValue("GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT), listenOnAnyHostAddress: false);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = clusterId;
            o.ServiceId = GridClusterDefaults.ServiceId;
        });
        silo.Configure<SiloOptions>(o => o.SiloName = cluster["MemberName"] ?? Environment.MachineName);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = GridClusterDefaults.PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        silo.Configure<ClusterMembershipOptions>(o => MembershipTimings.Apply(o, cluster.GetSection("Membership")));
        if (ClusterTls.IsEnabled(config))
        {
            // Orleans' UseTls, with the options resolved from the silo's services (the certificate's reloads are logged).
            ClusterTls.AddClusterTls(silo.Services, config);
            silo.Configure<SiloConnectionOptions>(o =>
            {
                o.ConfigureSiloInboundConnection(c => c.UseServerTls(c.ApplicationServices.GetRequiredService<ClusterTls>().Options));
                o.ConfigureGatewayInboundConnection(c => c.UseServerTls(c.ApplicationServices.GetRequiredService<ClusterTls>().Options));
                o.ConfigureSiloOutboundConnection(c => c.UseClientTls(c.ApplicationServices.GetRequiredService<ClusterTls>().Options));
            });
        }
    }
}
