using System.Security.Cryptography.X509Certificates;
using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Server;

/// <summary>What a CONNECT asks for, as the application sees it when deciding to accept it.</summary>
public sealed record MqttConnectRequest(
    string ClientId,
    string? UserName,
    byte[]? Password,
    MqttProtocolVersion ProtocolVersion,
    string? RemoteEndPoint,
    bool CleanStart,
    IReadOnlyList<MqttUserProperty> UserProperties)
{
    /// <summary>True when the server made up the client id because the client sent an empty one.</summary>
    public bool ClientIdAssigned { get; init; }

    /// <summary>The certificate the client presented in its TLS handshake (null on a plain connection, or when it sent none). Not validated by the engine.</summary>
    public X509Certificate2? ClientCertificate { get; init; }
}
