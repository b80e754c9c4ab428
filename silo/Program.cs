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
    logger.LogInformation("CommandGrid silo listening on {Urls} (storage {Provider}). Mint a token with: dotnet run --project silo -- token",
        string.Join(", ", app.Urls), app.Configuration["Storage:Provider"] ?? "sqlite");
});
await app.RunAsync();
return 0;
