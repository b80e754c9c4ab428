namespace CommandGrid.Mqtt.Packets;

/// <summary>
/// SUBACK. One code per requested filter, in order. In 3.1.1 the only failure byte is 0x80, which
/// the codec writes for any failing reason code so that callers can always speak 5.0 codes.
/// </summary>
public sealed record MqttSubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.SubAck;

    public ushort PacketId { get; init; }
    public IReadOnlyList<MqttReasonCode> ReasonCodes { get; init; } = [];
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
