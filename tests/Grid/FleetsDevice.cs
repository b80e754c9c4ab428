using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;

namespace CommandGrid.Tests.Grid;

/// <summary>An MQTT.js device on a grid's own MQTT listener, logged in with a token for itself only (actions 5 and 8).</summary>
public static class FleetsDevice
{
    /// <param name="clean">False keeps the session after the connection (MQTT 5: for five minutes).</param>
    /// <param name="keepAlive">Seconds; 0 for none (a node on a fake clock would count a real ping's wait on it).</param>
    public static Task<NodeMqttClient> StartAsync(GridServer server, string thing, int protocolVersion = 5, bool clean = true, int keepAlive = 30) =>
        NodeMqttClient.StartAsync($"mqtt://127.0.0.1:{server.MqttPort}", new
        {
            clientId = thing,
            username = thing,
            password = GridServer.Token(userId: 0, actions: [5, 8], devices: [thing]),
            protocolVersion,
            clean,
            properties = protocolVersion == 5 && !clean ? new { sessionExpiryInterval = 300 } : null,
            keepalive = keepAlive,
        });
}
