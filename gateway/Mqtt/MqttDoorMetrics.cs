using CommandGrid.Gateway.Operations;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;

namespace CommandGrid.Gateway.Mqtt;

/// <summary>The MQTT door's share of the doors' metrics: the engine's connection events, counted with door "mqtt".</summary>
internal sealed class MqttDoorMetrics : IMqttServerEvents
{
    public void ConnectionOpened(MqttProtocolVersion version) => GatewayMetrics.ConnectionOpened(GatewayMetrics.Mqtt, VersionTag(version));

    public void ConnectionClosed(MqttProtocolVersion version) => GatewayMetrics.ConnectionClosed(GatewayMetrics.Mqtt, VersionTag(version));

    public void Refused(MqttPacketType packetType, MqttReasonCode reason) => GatewayMetrics.Refused(GatewayMetrics.Mqtt, reason.ToString());

    private static string VersionTag(MqttProtocolVersion version) => version switch
    {
        MqttProtocolVersion.V500 => "5.0",
        MqttProtocolVersion.V311 => "3.1.1",
        _ => version.ToString(),
    };
}
