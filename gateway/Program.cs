using CommandGrid.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway;

/// <summary>The standalone gateway's entry point (a named class, so the silo's own Program does not clash with it).</summary>
internal static class GatewayProgram
{
    public static Task<int> Main(string[] args) => NodeHost.RunAsync("gateway", () => GatewayApp.Build(args), app =>
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CommandGrid.Gateway");
        logger.LogInformation("CommandGrid gateway listening on {Endpoints}, cluster {ClusterId}",
            app.Services.GetRequiredService<KestrelEndpoints>().Describe(), app.Configuration["Cluster:ClusterId"] ?? "commandgrid");
    });
}
