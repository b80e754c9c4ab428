using System.Globalization;
using System.Net.Sockets;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit;

namespace CommandGrid.Tests.Tls;

/// <summary>
/// What arrives at the TLS door that is not TLS, or not finished: each is refused, logged, and closes its own
/// connection only; the node keeps serving devices meanwhile.
/// </summary>
public sealed class TlsDoorBadInputTests : IDisposable
{
    private readonly TlsTestKit _tls = new();
    private readonly CapturedLogs _logs = new();

    public void Dispose() => _tls.Dispose();

    private Task<GridServer> StartAsync(int handshakeTimeoutSeconds = 10)
    {
        var settings = _tls.MqttTlsSettings();
        settings["Mqtt:Tls:HandshakeTimeoutSeconds"] = handshakeTimeoutSeconds.ToString(CultureInfo.InvariantCulture);
        return GridServer.StartAsync(settings: settings, customize: builder => builder.Logging.AddProvider(_logs));
    }

    private string[] Mqtt(int port, params string[] more) =>
        ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv5", .. more];

    /// <summary>A device with its certificate subscribes over TLS and gets its SUBACK: the door still serves.</summary>
    private async Task DeviceGetsInAsync(GridServer server)
    {
        var thing = GridServer.NewId("tls");
        var device = _tls.Device(thing, thing + "-" + Guid.NewGuid().ToString("N")[..6]);
        var subscribed = await ProcessRunner.RunAsync("mosquitto_sub",
            Mqtt(server.MqttTlsPort, "--cafile", _tls.ServerCaPath, "--cert", device.Certificate, "--key", device.Key, "-i", thing,
                "-t", $"$emqx/commands/things/{thing}/executions/+/request", "-q", "1", "-E"), null, TestTimeouts.Default);
        Assert.True(subscribed.ExitCode == 0, subscribed.StdErr);
    }

    [Fact]
    public async Task TlsDoor_PlainMqttOnTheTlsPortAndTlsOnThePlainPortAreRefusedAndLogged()
    {
        await using var server = await StartAsync();
        var thing = GridServer.NewId("tls");

        var plainOnTls = await ProcessRunner.RunAsync("mosquitto_pub", Mqtt(server.MqttTlsPort, "-i", thing, "-t", "t", "-m", "m"), null, TestTimeouts.Default);
        Assert.NotEqual(0, plainOnTls.ExitCode);
        await Eventually.TrueAsync(() => _logs.Entries.Any(e => e.Level == LogLevel.Warning && e.Category.EndsWith(".TlsListener", StringComparison.Ordinal)),
            TestTimeouts.Default, "the TLS door logs the failed handshake");

        var tlsOnPlain = await ProcessRunner.RunAsync("mosquitto_pub", Mqtt(server.MqttPort, "--cafile", _tls.ServerCaPath, "-i", thing, "-t", "t", "-m", "m"), null, TestTimeouts.Default);
        Assert.NotEqual(0, tlsOnPlain.ExitCode);
        await Eventually.TrueAsync(() => _logs.Entries.Any(e => e.Level == LogLevel.Warning && e.Message.Contains("a TLS handshake: this port speaks plain MQTT", StringComparison.Ordinal)),
            TestTimeouts.Default, "the plain door logs a TLS handshake for what it is");

        await DeviceGetsInAsync(server);
    }

    [Fact]
    public async Task TlsDoor_AThousandStalledOrGarbageHandshakesAreClosedWhileADeviceGetsIn()
    {
        await using var server = await StartAsync(handshakeTimeoutSeconds: 2);
        using var failures = server.Services.Collect<long>("commandgrid.tls.handshake_failures");
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync("127.0.0.1", server.MqttTlsPort);
                sockets.Add(socket);
                if (i % 2 == 1)
                {
                    // A TLS handshake record header, then bytes no ClientHello is made of.
                    byte[] garbage = [0x16, 0x03, 0x01, 0x00, 0x20, .. Enumerable.Repeat((byte)0xEE, 32)];
                    await socket.SendAsync(garbage);
                }
            }

            await DeviceGetsInAsync(server);

            // Every one of them is closed by the server: the garbage at once, the silent ones at the handshake timeout.
            var buffer = new byte[256];
            foreach (var socket in sockets)
            {
                using var deadline = new CancellationTokenSource(TestTimeouts.Default);
                while (true)
                {
                    int read;
                    try
                    {
                        read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                    }
                    catch (SocketException)
                    {
                        break;
                    }
                    if (read == 0)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        await Eventually.TrueAsync(() => failures.GetMeasurementSnapshot().Sum(m => m.Value) == 1000, TestTimeouts.Default,
            "the 1,000 handshakes are counted as failed");
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Category.EndsWith(".TlsListener", StringComparison.Ordinal));
        // Refused input is no failure of the node's: no error, no stack trace, in its log.
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Error || e.Exception is not null);
        await DeviceGetsInAsync(server);
    }
}
