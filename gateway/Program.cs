using CommandGrid.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway;

/// <summary>The standalone gateway's entry point (a named class, so the silo's own Program does not clash with it).</summary>
internal static class GatewayProgram
{
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = GatewayApp.Build(args);
        }
        catch (Exception ex) when (StartupError.IsConfiguration(ex))
        {
            return StartupError.Report("gateway", ex);
        }
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CommandGrid.Gateway");
            logger.LogInformation("CommandGrid gateway listening on {Endpoints}, cluster {ClusterId}",
                app.Services.GetRequiredService<KestrelEndpoints>().Describe(), app.Configuration["Cluster:ClusterId"] ?? "commandgrid");
        });
        try
        {
            await app.StartAsync();
        }
        catch (Exception ex) when (StartupError.IsConfiguration(ex))
        {
            return StartupError.Report("gateway", ex);
        }
        await app.WaitForShutdownAsync();
        return 0;
    }
}
