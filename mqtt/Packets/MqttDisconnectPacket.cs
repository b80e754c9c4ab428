namespace CommandGrid.Mqtt.Packets;

/// <summary>DISCONNECT. The reason code and properties are 5.0 only; a 3.1.1 DISCONNECT has no body.</summary>
public sealed record MqttDisconnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Disconnect;

    public MqttReasonCode ReasonCode { get; init; }
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
