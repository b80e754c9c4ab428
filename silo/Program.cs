using CommandGrid.Gateway;
using CommandGrid.Silo;

if (args.Length > 0 && args[0] == "token")
{
    var configuration = new ConfigurationBuilder()
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(args.Skip(1).Where(a => a.Contains('=')).ToArray())
        .Build();
    return TokenCommand.Run(args, configuration);
}

var app = SiloApp.Build(args);
app.Lifetime.ApplicationStarted.Register(() =>
{
    var logger = app.Services.GetRequiredService<ILogger<Program>>();
    logger.LogInformation("CommandGrid silo listening on {Endpoints} (storage {Provider}). Mint a token with: dotnet run --no-build --project silo -- token",
        app.Services.GetRequiredService<KestrelEndpoints>().Describe(), app.Configuration["Storage:Provider"] ?? "sqlite");
});
await app.RunAsync();
return 0;
