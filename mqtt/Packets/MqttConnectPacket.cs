namespace CommandGrid.Mqtt.Packets;

public sealed record MqttConnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Connect;

    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V311;
    public string ClientId { get; init; } = "";
    /// <summary>Clean Session in 3.1.1, Clean Start in 5.0 (same bit, different lifetime rules).</summary>
    public bool CleanStart { get; init; } = true;
    public ushort KeepAliveSeconds { get; init; }
    public string? UserName { get; init; }
    public byte[]? Password { get; init; }
    public MqttWill? Will { get; init; }
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
