namespace CommandGrid.Mqtt.Packets;

public sealed record MqttPubCompPacket : MqttPublishResponsePacket
{
    public override MqttPacketType Type => MqttPacketType.PubComp;
}
