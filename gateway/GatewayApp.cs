using CommandGrid.Runtime.Cluster;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CommandGrid.Gateway;

/// <summary>
/// Builds a standalone gateway: the doors on a Kestrel of their own, calling the grains of a
/// cluster as a client. It finds the silos in the cluster's membership table (Cluster:ClusterId,
/// Storage:ConnectionString) and holds no grain and no state itself, so any number run side by side.
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
        builder.Services.AddClusterClient(config.GetSection("Cluster"), connectionString, config.GetSection("Runtime"));
        builder.Services.AddCommandGridGateway(config);
        builder.UseCommandGridEndpoints();
        customize?.Invoke(builder);

        var app = builder.Build();
        app.MapGet("/", () => Results.Redirect("/health"));
        app.MapGet("/health", () => Results.Json(new { status = "ok", role = "gateway" }));
        app.MapCommandGridGateway();
        return app;
    }
}
