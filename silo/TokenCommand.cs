using CommandGrid.Gateway.Auth;
using Microsoft.Extensions.Options;

namespace CommandGrid.Silo;

/// <summary>
/// `dotnet run --project silo -- token [--user N] [--actions 0,5,7] [--devices a,b] [--networks 1,2] [--minutes M] [--refresh]`:
/// mints a token with the node's own secret (Auth:JwtSecret, or the one kept in data/), prints it and exits.
/// </summary>
internal static class TokenCommand
{
    public static int Run(string[] args, IConfiguration configuration)
    {
        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        static IReadOnlyList<string> List(string? value) => value is null ? ["*"] : value.Split(',', StringSplitOptions.RemoveEmptyEntries);

        var auth = configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        var tokens = new TokenService(Options.Create(auth), TimeProvider.System);
        var minutes = int.Parse(Option("--minutes") ?? "1440", System.Globalization.CultureInfo.InvariantCulture);
        var payload = new TokenPayload(
            UserId: long.Parse(Option("--user") ?? "1", System.Globalization.CultureInfo.InvariantCulture),
            Actions: [.. List(Option("--actions") ?? "0").Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture))],
            NetworkIds: List(Option("--networks")),
            DeviceTypeIds: List(Option("--device-types")),
            DeviceIds: List(Option("--devices")),
            Expiration: DateTimeOffset.UtcNow.AddMinutes(minutes).ToUnixTimeMilliseconds(),
            TokenType: args.Contains("--refresh") ? TokenPayload.Refresh : TokenPayload.Access);
        Console.WriteLine(tokens.Create(payload));
        return 0;
    }
}
