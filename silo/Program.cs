using CommandGrid.Gateway;
using CommandGrid.Gateway.Hosting;
using CommandGrid.Silo;

if (args is ["token", .. var tokenArgs])
{
    return TokenCommand.Run(tokenArgs, Console.Out, Console.Error);
}

WebApplication app;
try
{
    app = SiloApp.Build(args);
}
catch (Exception ex) when (StartupError.IsConfiguration(ex))
{
    return StartupError.Report("silo", ex);
}
app.Lifetime.ApplicationStarted.Register(() =>
{
    var logger = app.Services.GetRequiredService<ILogger<Program>>();
    logger.LogInformation("CommandGrid silo listening on {Endpoints} (storage {Provider}). Mint a token with: dotnet run --no-build --project silo -- token",
        app.Services.GetRequiredService<KestrelEndpoints>().Describe(), app.Configuration["Storage:Provider"] ?? "sqlite");
});
try
{
    await app.StartAsync();
}
catch (Exception ex) when (StartupError.IsConfiguration(ex))
{
    return StartupError.Report("silo", ex);
}
await app.WaitForShutdownAsync();
return 0;
