namespace CommandGrid.Mqtt.Packets;

/// <summary>The protocol level byte of CONNECT; it decides the wire dialect of the whole connection.</summary>
public enum MqttProtocolVersion : byte
{
    V311 = 4,
    V500 = 5,
}
