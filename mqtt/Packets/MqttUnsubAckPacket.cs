namespace CommandGrid.Mqtt.Packets;

/// <summary>UNSUBACK. Reason codes and properties exist only in 5.0; a 3.1.1 UNSUBACK is just the packet identifier.</summary>
public sealed record MqttUnsubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.UnsubAck;

    public ushort PacketId { get; init; }
    public IReadOnlyList<MqttReasonCode> ReasonCodes { get; init; } = [];
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
