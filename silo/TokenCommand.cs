using System.Globalization;
using CommandGrid.Gateway.Auth;
using Microsoft.Extensions.Options;

namespace CommandGrid.Silo;

/// <summary>
/// `dotnet run --project silo -- token [options]`: mints a token with the node's own secret
/// (Auth:JwtSecret, or the one kept in data/), prints it and exits. A mistyped option must not
/// quietly mint a token with every permission, so anything it does not know is refused: the
/// usage on stderr and exit code 2, as command-line tools do.
/// </summary>
public static class TokenCommand
{
    public const int UsageError = 2;

    public const string Usage = """
        usage: token [--user N] [--actions 0,5,7] [--devices a,b] [--networks 1,2] [--device-types 3]
                     [--minutes M] [--refresh] [--Section:Key=value ...]
               token --help
          --user N              the user the token speaks for (default 1)
          --actions LIST        DeviceHive action ids, comma-separated; 0 is every action (default 0)
          --devices LIST        the devices it reaches (default: all)
          --networks LIST       the networks it reaches (default: all)
          --device-types LIST   the device types it reaches (default: all)
          --minutes M           its lifetime in minutes, at least 1 (default 1440)
          --refresh             a refresh token instead of an access token
          --Section:Key=value   a configuration setting, e.g. --Auth:JwtSecret=... (default: the node's own)
          --help, -h            this text, on standard output (exit code 0)
        """;

    private static readonly string[] ValueOptions = ["--user", "--actions", "--devices", "--networks", "--device-types", "--minutes"];
    private const string RefreshFlag = "--refresh";

    /// <param name="args">The arguments after "token".</param>
    /// <returns>0 with the token on <paramref name="output"/>; 2 with the usage on <paramref name="error"/> for a bad command line.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args is ["--help"] or ["-h"])
        {
            output.WriteLine(Usage);
            return 0;
        }
        TokenPayload payload;
        Dictionary<string, string?> settings;
        try
        {
            (payload, settings) = Parse(args, DateTimeOffset.UtcNow);
        }
        catch (FormatException e)
        {
            error.WriteLine($"token: {e.Message}");
            error.WriteLine(Usage);
            return UsageError;
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(settings)
            .Build();
        var auth = configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        output.WriteLine(new TokenService(Options.Create(auth), TimeProvider.System).Create(payload));
        return 0;
    }

    /// <exception cref="FormatException">An unknown option, a missing or bad value, or an option given twice.</exception>
    private static (TokenPayload Payload, Dictionary<string, string?> Settings) Parse(IReadOnlyList<string> args, DateTimeOffset now)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var refresh = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            string TakeValue() =>
                equals >= 0 ? arg[(equals + 1)..]
                : i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i]
                : throw new FormatException($"{name} needs a value");
            if (name.StartsWith("--", StringComparison.Ordinal) && name.Contains(':', StringComparison.Ordinal))
            {
                settings[name[2..]] = TakeValue();
            }
            else if (name == RefreshFlag)
            {
                refresh = equals < 0 && !refresh ? true : throw new FormatException($"{RefreshFlag} takes no value and is given once");
            }
            else if (ValueOptions.Contains(name))
            {
                if (!values.TryAdd(name, TakeValue()))
                {
                    throw new FormatException($"{name} is given twice");
                }
            }
            else
            {
                throw new FormatException(arg.StartsWith('-') ? $"unknown option {name}" : $"unexpected argument '{arg}'");
            }
        }
        string? Value(string option) => values.GetValueOrDefault(option);
        var minutes = Number(Value("--minutes") ?? "1440", "--minutes", min: 1);
        var payload = new TokenPayload(
            UserId: Number(Value("--user") ?? "1", "--user", min: 0),
            Actions: [.. List(Value("--actions") ?? "0", "--actions").Select(Action)],
            NetworkIds: Scope(Value("--networks"), "--networks"),
            DeviceTypeIds: Scope(Value("--device-types"), "--device-types"),
            DeviceIds: Scope(Value("--devices"), "--devices"),
            Expiration: now.AddMinutes(minutes).ToUnixTimeMilliseconds(),
            TokenType: refresh ? TokenPayload.Refresh : TokenPayload.Access);
        return (payload, settings);
    }

    private static long Number(string value, string option, long min) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= int.MaxValue
            ? n
            : throw new FormatException($"{option} must be a whole number, at least {min}, not '{value}'");

    private static int Action(string id) =>
        int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && Enum.IsDefined((DeviceHiveAction)n)
            ? n
            : throw new FormatException($"--actions: '{id}' is not a DeviceHive action id (0 to {(int)Enum.GetValues<DeviceHiveAction>().Max()})");

    private static string[] List(string value, string option) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } items
            ? items
            : throw new FormatException($"{option} needs at least one id");

    /// <summary>An absent scope reaches everything ("*").</summary>
    private static string[] Scope(string? value, string option) => value is null ? ["*"] : List(value, option);
}
