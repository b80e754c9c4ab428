namespace CommandGrid.Mqtt.Packets;

public sealed record MqttPubRecPacket : MqttPublishResponsePacket
{
    public override MqttPacketType Type => MqttPacketType.PubRec;
}
