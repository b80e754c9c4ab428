namespace CommandGrid.Mqtt.Packets;

public sealed record MqttSubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Subscribe;

    public ushort PacketId { get; init; }
    public IReadOnlyList<MqttSubscription> Subscriptions { get; init; } = [];
    public MqttProperties Properties { get; init; } = MqttProperties.Empty;
}
