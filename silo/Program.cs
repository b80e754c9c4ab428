using CommandGrid.Gateway;
using CommandGrid.Gateway.Hosting;
using CommandGrid.Silo;

if (args is ["token", .. var tokenArgs])
{
    return TokenCommand.Run(tokenArgs, Console.Out, Console.Error);
}

return await NodeHost.RunAsync("silo", () => SiloApp.Build(args), app =>
{
    var logger = app.Services.GetRequiredService<ILogger<Program>>();
    logger.LogInformation("CommandGrid silo listening on {Endpoints} (storage {Provider}). Mint a token with: dotnet run --no-build --project silo -- token",
        app.Services.GetRequiredService<KestrelEndpoints>().Describe(), app.Configuration["Storage:Provider"] ?? "sqlite");
});
