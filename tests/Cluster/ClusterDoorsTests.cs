using System.Text.Json.Nodes;
using CommandGrid.Gateway;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using CommandGrid.Tests.WebSockets;
using Xunit;

namespace CommandGrid.Tests.Cluster;

/// <summary>The cluster through its real doors: standalone gateways serving MQTT devices and WebSocket users.</summary>
public sealed class ClusterDoorsTests
{
    [Fact]
    public async Task Cluster_MqttDeviceOnGateway1AnswersCommandCreatedOverWebSocketOnGateway2()
    {
        await using var cluster = await TestCluster.StartAsync(silos: 2, gateways: 2);
        var thing = GridServer.NewId("dev");
        var gateway1 = cluster.Gateways[0];
        var gateway2 = cluster.Gateways[1];
        await using var device = await NodeMqttClient.StartAsync($"mqtt://127.0.0.1:{gateway1.Service<KestrelEndpoints>().MqttPort}", new
        {
            clientId = thing,
            username = thing,
            password = GridServer.Token(userId: 0, actions: [5, 8], devices: [thing]),
            protocolVersion = 5,
            clean = true,
        });
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = $"$emqx/commands/things/{thing}/executions/+/request", qos = 1 }, "subscribed");

        await using var creator = await WsClient.ConnectAsync(new Uri($"ws://{gateway2.BaseUri.Authority}/api/websocket"));
        await creator.OkAsync(new JsonObject { ["action"] = "authenticate", ["token"] = GridServer.Token() });
        var inserted = await creator.OkAsync(new JsonObject
        {
            ["action"] = "command/insert",
            ["deviceId"] = thing,
            ["command"] = new JsonObject { ["command"] = "reboot", ["lifetime"] = 60 },
        });
        var id = (long)inserted["command"]!["id"]!;

        await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith($"/executions/{id}/request", StringComparison.Ordinal));
        await device.RequestAsync("publish", new
        {
            topic = $"$emqx/commands/things/{thing}/executions/{id}/response",
            payload = "{\"status\":\"SUCCEEDED\",\"result\":{\"rebooted\":true}}",
            qos = 1,
        }, "published");

        var update = await creator.WaitForPushAsync("command/update", p => (long?)p["command"]?["id"] == id && (string?)p["command"]?["status"] == "SUCCEEDED");
        Assert.True((bool)update["command"]!["result"]!["rebooted"]!);
        using var rest = gateway1.Client();
        Assert.Equal("SUCCEEDED", (string)(await rest.GetCommandAsync(id.ToString(System.Globalization.CultureInfo.InvariantCulture)))["status"]!);
    }
}
