namespace CommandGrid.Mqtt.Packets;

public sealed record MqttPubRelPacket : MqttPublishResponsePacket
{
    public override MqttPacketType Type => MqttPacketType.PubRel;
}
