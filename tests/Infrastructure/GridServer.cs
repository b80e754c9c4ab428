using System.IdentityModel.Tokens.Jwt;
using System.Net.Http.Headers;
using System.Text;
using CommandGrid.Gateway.Auth;
using CommandGrid.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// A real single-node grid (the silo with its doors) on a loopback port, as a user runs it,
/// with its own store. Tests talk to it over real sockets only.
/// </summary>
public sealed class GridServer : IAsyncDisposable
{
    public const string Secret = "test-secret-that-is-long-enough-for-hs256-signing";

    private readonly WebApplication _app;
    private readonly TestStorage? _ownStorage;

    private GridServer(WebApplication app, TestStorage? ownStorage, Uri baseUri)
    {
        _app = app;
        _ownStorage = ownStorage;
        BaseUri = baseUri;
        Http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(90) };
    }

    public Uri BaseUri { get; }

    public Uri WebSocketUri => new($"ws://{BaseUri.Authority}/api/websocket");

    public HttpClient Http { get; }

    /// <summary>The loopback port of the MQTT listener.</summary>
    public int MqttPort => Services.GetRequiredService<CommandGrid.Gateway.KestrelEndpoints>().MqttPort!.Value;

    /// <summary>The loopback address of the HTTPS endpoint, when the test configured one.</summary>
    public Uri HttpsUri => new($"https://{Services.GetRequiredService<CommandGrid.Gateway.KestrelEndpoints>().HttpEndPointOf("https")}");

    /// <summary>The loopback port of MQTT over TLS, when the test configured it.</summary>
    public int MqttTlsPort => Services.GetRequiredService<CommandGrid.Gateway.KestrelEndpoints>().MqttTlsPort!.Value;

    public IServiceProvider Services => _app.Services;

    /// <summary>Where a test grid listens unless told otherwise: free loopback ports for HTTP and MQTT.</summary>
    public static readonly IReadOnlyDictionary<string, string?> LoopbackEndpoints = new Dictionary<string, string?>
    {
        ["urls"] = "http://127.0.0.1:0",
        ["Mqtt:Address"] = "127.0.0.1",
        ["Mqtt:Port"] = "0",
    };

    /// <param name="storage">A store the caller keeps (and disposes), to restart on the same data; null for a fresh one the server removes when disposed.</param>
    /// <param name="settings">Extra configuration, as "Key:Sub" = value.</param>
    /// <param name="endpoints">Where it listens, as configuration; null for <see cref="LoopbackEndpoints"/>.</param>
    /// <param name="customize">Runs on the host builder before the app is built (e.g. to add a logger provider).</param>
    public static async Task<GridServer> StartAsync(TestStorage? storage = null, IDictionary<string, string?>? settings = null,
        IReadOnlyDictionary<string, string?>? endpoints = null, Action<WebApplicationBuilder>? customize = null)
    {
        var ownsStorage = storage is null;
        storage ??= await TestStorage.CreateAsync();
        List<string> args =
        [
            $"--Storage:Provider={storage.Provider}",
            $"--Storage:ConnectionString={storage.ConnectionString}",
            $"--Auth:JwtSecret={Secret}",
            .. TestHostLogging.InProcess,
        ];
        foreach (var (key, value) in (endpoints ?? LoopbackEndpoints).Concat(settings ?? new Dictionary<string, string?>()))
        {
            args.Add($"--{key}={value}");
        }
        var app = SiloApp.Build([.. args], builder =>
        {
            customize?.Invoke(builder);
            TestHostLogging.AddStopSettings(builder);
        });
        TestHostLogging.QuietenOnStop(app);
        await app.StartAsync();
        var listening = app.Services.GetRequiredService<CommandGrid.Gateway.KestrelEndpoints>();
        var http = listening.HttpEndPointOf("http") ?? listening.HttpEndPoints[0];
        return new GridServer(app, ownsStorage ? storage : null, new Uri($"http://{http}"));
    }

    /// <summary>An access token signed with the server's secret. Defaults: user 1, every action, every device.</summary>
    public static string Token(long userId = 1, int[]? actions = null, string[]? devices = null, string[]? networks = null,
        string[]? deviceTypes = null, DateTimeOffset? expires = null, int type = TokenPayload.Access, string secret = Secret)
    {
        var payload = new Dictionary<string, object>
        {
            ["u"] = userId,
            ["a"] = actions ?? [0],
            ["n"] = networks ?? ["*"],
            ["dt"] = deviceTypes ?? ["*"],
            ["d"] = devices ?? ["*"],
            ["e"] = (expires ?? DateTimeOffset.UtcNow.AddHours(1)).ToUnixTimeMilliseconds(),
            ["t"] = type,
        };
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        var jwt = new JwtSecurityToken(new JwtHeader(new SigningCredentials(key, SecurityAlgorithms.HmacSha256)), new JwtPayload { ["payload"] = payload });
        return new JwtSecurityTokenHandler().WriteToken(jwt);
    }

    /// <summary>An HttpClient on this server that sends the token as a bearer token.</summary>
    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(90) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token());
        return client;
    }

    /// <param name="cancellationToken">Cuts the graceful stop short (open requests are aborted), as the host's shutdown timeout does.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _app.StopAsync(cancellationToken);
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            await _app.StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }
        await _app.DisposeAsync();
        _ownStorage?.Dispose();
    }

    public static string NewId(string prefix = "dev") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 40)];
}
