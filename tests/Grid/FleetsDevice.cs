using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;

namespace CommandGrid.Tests.Grid;

/// <summary>An MQTT.js device on a grid's own MQTT listener, logged in with a token for itself only (actions 5 and 8).</summary>
public static class FleetsDevice
{
    public static Task<NodeMqttClient> StartAsync(GridServer server, string thing) =>
        NodeMqttClient.StartAsync($"mqtt://127.0.0.1:{server.MqttPort}", new
        {
            clientId = thing,
            username = thing,
            password = GridServer.Token(userId: 0, actions: [5, 8], devices: [thing]),
            protocolVersion = 5,
            clean = true,
            keepalive = 30,
        });
}
