using System.Net;
using CommandGrid.Mqtt.Server;
using CommandGrid.Mqtt.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Tests.Mqtt.Infrastructure;

/// <summary>The MQTT engine in a real Kestrel on loopback: an MQTT TCP port and an HTTP port with /mqtt.</summary>
public sealed class MqttTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MqttTestHost(WebApplication app, TestMqttApplication application, RecordingServerEvents events, int mqttPort, int httpPort)
    {
        _app = app;
        Application = application;
        Events = events;
        MqttPort = mqttPort;
        HttpPort = httpPort;
        Server = app.Services.GetRequiredService<MqttServer>();
    }

    public TestMqttApplication Application { get; }

    /// <summary>What the server reported to its host (connections, refusals).</summary>
    public RecordingServerEvents Events { get; }

    public MqttServer Server { get; }
    public IServiceProvider Services => _app.Services;
    public int MqttPort { get; }
    public int HttpPort { get; }
    public string WebSocketUrl => $"ws://127.0.0.1:{HttpPort}/mqtt";

    /// <param name="logs">Also receives the host's log lines (warnings and above).</param>
    /// <param name="time">The server's clock (keep-alive and CONNECT deadlines); the system's when null.</param>
    public static async Task<MqttTestHost> StartAsync(Action<MqttServerOptions>? configure = null, ILoggerProvider? logs = null, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        var application = new TestMqttApplication();
        var events = new RecordingServerEvents();
        builder.Services.AddMqttServer(_ => application, configure);
        builder.Services.AddSingleton<IMqttServerEvents>(events);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
        ListenOptions? mqtt = null;
        ListenOptions? http = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenMqtt(IPAddress.Loopback, 0, listen => mqtt = listen);
            kestrel.Listen(IPAddress.Loopback, 0, listen => http = listen);
        });

        var app = builder.Build();
        app.MapMqttWebSocket("/mqtt");
        await app.StartAsync();
        // Kestrel writes the port it bound back into the endpoint's options.
        return new MqttTestHost(app, application, events, mqtt!.IPEndPoint!.Port, http!.IPEndPoint!.Port);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
