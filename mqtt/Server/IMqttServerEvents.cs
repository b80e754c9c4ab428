using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// What the engine tells its host about connections as they come and go, so that the host can count them
/// on its own metrics without the engine knowing them. Optional: a host that registers none is told nothing.
/// Called on the connection's read loop, so an implementation must be quick and must not throw.
/// </summary>
public interface IMqttServerEvents
{
    /// <summary>A CONNECT was accepted; the connection is open until <see cref="ConnectionClosed"/> with the same version.</summary>
    void ConnectionOpened(MqttProtocolVersion version);

    /// <summary>A connection whose CONNECT was accepted ended, for whatever reason.</summary>
    void ConnectionClosed(MqttProtocolVersion version);

    /// <summary>
    /// A CONNECT (<see cref="MqttPacketType.Connect"/>), a SUBSCRIBE filter or a PUBLISH was refused with
    /// <paramref name="reason"/> (the 5.0 reason code, whatever the client's protocol version).
    /// </summary>
    void Refused(MqttPacketType packetType, MqttReasonCode reason);
}
