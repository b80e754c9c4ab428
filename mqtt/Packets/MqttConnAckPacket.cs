namespace CommandGrid.Mqtt.Packets;

/// <summary>
/// CONNACK. <see cref="ReasonCode"/> holds the 5.0 reason; for 3.1.1 the codec writes
/// <see cref="MqttReasonCodeExtensions.ToConnectReturnCode"/> of it, and reads a return code back
/// through <see cref="MqttReasonCodeExtensions.ToReasonCode"/>, so callers use one vocabulary.
/// </summary>
public sealed record MqttConnAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.ConnAck;

    public bool SessionPresent { get; init; }
    public MqttReasonCode ReasonCode { get; init; }
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
