using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// Runs a node (silo or gateway) to its shutdown. A start that fails on its configuration (a certificate that does not
/// load, a setting that contradicts another, a port already taken) ends with the reason in one line and exit code 2,
/// not with an unhandled exception's stack.
/// </summary>
public static class NodeHost
{
    /// <param name="started">Runs once the node has started (its "listening on" line).</param>
    public static async Task<int> RunAsync(string process, Func<WebApplication> build, Action<WebApplication> started)
    {
        WebApplication app;
        try
        {
            app = build();
            app.Lifetime.ApplicationStarted.Register(() => started(app));
            await app.StartAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or OptionsValidationException or IOException)
        {
            Console.Error.WriteLine($"CommandGrid {process} did not start: {ex.Message}");
            return 2;
        }
        await app.WaitForShutdownAsync();
        return 0;
    }
}
