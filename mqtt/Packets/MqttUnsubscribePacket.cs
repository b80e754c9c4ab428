namespace CommandGrid.Mqtt.Packets;

public sealed record MqttUnsubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;

    public ushort PacketId { get; init; }
    public IReadOnlyList<string> TopicFilters { get; init; } = [];
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
