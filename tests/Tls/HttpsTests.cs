using System.Globalization;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using CommandGrid.Tests.WebSockets;
using Xunit;

namespace CommandGrid.Tests.Tls;

/// <summary>
/// HTTPS and WSS on a Kestrel endpoint with PEM files: REST with curl, the DeviceHive WebSocket API with the npm ws
/// client, MQTT over WebSocket with MQTT.js and a device certificate, and the endpoint's certificate rotated.
/// </summary>
public sealed class HttpsTests : IDisposable
{
    private readonly TlsTestKit _tls = new();

    public void Dispose() => _tls.Dispose();

    private Task<GridServer> StartAsync() => GridServer.StartAsync(endpoints: _tls.HttpsEndpoints());

    [Fact]
    public async Task Https_CurlReadsRestAndNodeWsDrivesTheWebSocketApiOverWss()
    {
        await using var server = await StartAsync();
        var thing = await WsKit.RegisterDeviceAsync(server);
        var url = $"{server.HttpsUri}api/v1/things/{thing}";
        string[] auth = ["-H", $"Authorization: Bearer {GridServer.Token()}"];

        var trusted = await ProcessRunner.RunAsync("curl", ["-sS", "--cacert", _tls.ServerCaPath, .. auth, url], null, TestTimeouts.Default);
        Assert.True(trusted.ExitCode == 0, trusted.StdErr);
        Assert.Equal(thing, (string?)JsonNode.Parse(trusted.StdOut)!["thingId"]);
        // Without the CA, curl does not trust the grid: this is its certificate, verified, not a plain socket.
        var untrusted = await ProcessRunner.RunAsync("curl", ["-sS", .. auth, url], null, TestTimeouts.Default);
        Assert.Equal(60, untrusted.ExitCode);

        var wss = new UriBuilder(server.HttpsUri) { Scheme = "wss", Path = "/api/websocket" }.Uri.ToString();
        var trust = new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = _tls.ServerCaPath };
        await using var device = await NodeWsScript.StartAsync(trust, "device.js", wss, GridServer.Token(userId: 50, devices: [thing]), thing, "done");
        await device.WaitForEventAsync("subscribed");
        await using var creator = await NodeWsScript.StartAsync(trust, "creator.js", wss, GridServer.Token(userId: 51), thing, "set-speed");
        var update = await creator.WaitForEventAsync("update");
        Assert.Equal("done", (string?)update["command"]!["status"]);
    }

    [Fact]
    public async Task Wss_MqttJsDeviceWithCertificateAnswersOverMqttOnWebSocket()
    {
        await using var server = await StartAsync();
        using var rest = server.Client();
        var thing = GridServer.NewId("wss");
        await rest.RegisterThingAsync(thing);
        var url = new UriBuilder(server.HttpsUri) { Scheme = "wss", Path = "/mqtt" }.Uri.ToString();
        await using var device = await NodeMqttClient.StartAsync(url, _tls.MqttJsOptions(_tls.Device(thing, thing), thing));
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = $"$emqx/commands/things/{thing}/executions/+/request", qos = 1 }, "subscribed");

        var id = (string)(await rest.CreateCommandAsync(new { thingId = thing, action = "ping", ttl = 60 }))["executionId"]!;
        await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith($"/executions/{id}/request", StringComparison.Ordinal));
        await device.RequestAsync("publish", new { topic = $"$emqx/commands/things/{thing}/executions/{id}/response", payload = "{\"status\":\"SUCCEEDED\"}", qos = 1 }, "published");

        var (_, final) = await rest.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=10");
        Assert.Equal("SUCCEEDED", (string)final["status"]!);
    }

    [Fact]
    public async Task Https_ReplacedCertificateServesNewConnections()
    {
        await using var server = await StartAsync();
        var port = server.HttpsUri.Port;
        var first = await TlsTestKit.ServerCertificateAsync(port);

        var replacement = _tls.RotateServerCertificate();

        Assert.NotEqual(first, replacement);
        Assert.Equal(replacement, await TlsTestKit.ServerCertificateAsync(port));
        var health = await ProcessRunner.RunAsync("curl", ["-sS", "--cacert", _tls.ServerCaPath, $"{server.HttpsUri}health"], null, TestTimeouts.Default);
        Assert.True(health.ExitCode == 0, health.StdErr + " " + port.ToString(CultureInfo.InvariantCulture));
    }
}
