using System.Net.Sockets;
using CommandGrid.Mqtt.Server;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace CommandGrid.Mqtt.Transport;

/// <summary>Kestrel's entry point for MQTT over TCP: hands the connection's duplex pipe to the engine.</summary>
public sealed class MqttConnectionHandler(MqttServer server) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        // Acknowledgements are tiny and latency-bound; Nagle would hold them back behind a delayed ACK.
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is Socket { ProtocolType: ProtocolType.Tcp } socket)
        {
            socket.NoDelay = true;
        }

        await server.HandleConnectionAsync(connection.Transport, connection.RemoteEndPoint?.ToString(), connection.ConnectionClosed,
            connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate);
    }
}
