using CommandGrid.Metrics;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;

namespace CommandGrid.Gateway.Mqtt;

/// <summary>The MQTT door's share of the doors' metrics: the engine's connection events, counted with door "mqtt".</summary>
internal sealed class MqttDoorMetrics(GridMetrics metrics) : IMqttServerEvents
{
    public void ConnectionOpened(MqttProtocolVersion version) => metrics.ConnectionOpened(GridMetrics.MqttDoor, VersionTag(version));

    public void ConnectionClosed(MqttProtocolVersion version) => metrics.ConnectionClosed(GridMetrics.MqttDoor, VersionTag(version));

    public void Refused(MqttPacketType packetType, MqttReasonCode reason) => metrics.Refused(GridMetrics.MqttDoor, reason.ToString());

    private static string VersionTag(MqttProtocolVersion version) => version switch
    {
        MqttProtocolVersion.V500 => "5.0",
        MqttProtocolVersion.V311 => "3.1.1",
        _ => version.ToString(),
    };
}
