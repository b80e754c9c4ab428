using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Server;

/// <summary>One accepted connection of a client, as hooks see it.</summary>
public sealed record MqttSessionInfo(
    string ClientId,
    string Identity,
    string? UserName,
    MqttProtocolVersion ProtocolVersion,
    string? RemoteEndPoint,
    long ConnectionId)
{
    /// <summary>Whether the session state is kept after this connection ends (session expiry interval above zero).</summary>
    public bool SessionRetained { get; init; }
}
