namespace CommandGrid.Gateway.Mqtt.Packets;

public sealed record MqttPubCompPacket : MqttPublishResponsePacket
{
    public override MqttPacketType Type => MqttPacketType.PubComp;
}
