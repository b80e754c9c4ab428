namespace CommandGrid.Mqtt.Packets;

/// <summary>
/// The shared shape of PUBACK, PUBREC, PUBREL and PUBCOMP: a packet identifier and, in 5.0,
/// an optional reason code and properties. One base keeps the codec to one code path for all four.
/// </summary>
public abstract record MqttPublishResponsePacket : MqttPacket
{
    public ushort PacketId { get; init; }
    public MqttReasonCode ReasonCode { get; init; }
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
