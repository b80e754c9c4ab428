namespace CommandGrid.Mqtt.Packets;

public sealed record MqttPublishPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Publish;

    /// <summary>May be empty in 5.0 when a topic alias stands for it.</summary>
    public string Topic { get; init; } = "";
    public ReadOnlyMemory<byte> Payload { get; init; }
    public MqttQualityOfService QualityOfService { get; init; }
    public bool Retain { get; init; }
    public bool Dup { get; init; }
    /// <summary>Zero for QoS 0, where the packet has no identifier field.</summary>
    public ushort PacketId { get; init; }
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
