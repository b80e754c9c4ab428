using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway;

/// <summary>The standalone gateway's entry point (a named class, so the silo's own Program does not clash with it).</summary>
internal static class GatewayProgram
{
    public static async Task<int> Main(string[] args)
    {
        var app = GatewayApp.Build(args);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CommandGrid.Gateway");
            logger.LogInformation("CommandGrid gateway listening on {Endpoints}, cluster {ClusterId}",
                app.Services.GetRequiredService<KestrelEndpoints>().Describe(), app.Configuration["Cluster:ClusterId"] ?? "commandgrid");
        });
        await app.RunAsync();
        return 0;
    }
}
