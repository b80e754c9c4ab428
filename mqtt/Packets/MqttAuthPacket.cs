namespace CommandGrid.Mqtt.Packets;

/// <summary>AUTH (5.0 only): the enhanced-authentication exchange.</summary>
public sealed record MqttAuthPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Auth;

    public MqttReasonCode ReasonCode { get; init; }
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
