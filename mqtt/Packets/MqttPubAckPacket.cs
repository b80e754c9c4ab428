namespace CommandGrid.Mqtt.Packets;

public sealed record MqttPubAckPacket : MqttPublishResponsePacket
{
    public override MqttPacketType Type => MqttPacketType.PubAck;
}
