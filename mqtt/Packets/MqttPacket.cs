namespace CommandGrid.Mqtt.Packets;

/// <summary>
/// A decoded control packet. Packets are plain immutable values: the codec turns bytes into
/// them and back, and only the session layer gives them meaning.
/// </summary>
public abstract record MqttPacket
{
    public abstract MqttPacketType Type { get; }
}
