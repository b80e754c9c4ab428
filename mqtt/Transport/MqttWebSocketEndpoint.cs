using CommandGrid.Mqtt.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CommandGrid.Mqtt.Transport;

/// <summary>Accepts MQTT over WebSocket (subprotocol <c>mqtt</c>) and runs it through the same engine as TCP.</summary>
internal static class MqttWebSocketEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("MQTT over WebSocket only.");
            return;
        }

        // Clients offer "mqtt" (some older ones "mqttv3.1"); echo the one offered, as the MQTT spec asks.
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var subProtocol = offered.FirstOrDefault(p => p.Equals("mqtt", StringComparison.OrdinalIgnoreCase))
            ?? offered.FirstOrDefault(p => p.StartsWith("mqtt", StringComparison.OrdinalIgnoreCase));
        if (offered.Count > 0 && subProtocol is null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("Subprotocol 'mqtt' required.");
            return;
        }

        var server = context.RequestServices.GetRequiredService<MqttServer>();
        using var socket = await context.WebSockets.AcceptWebSocketAsync(subProtocol);
        var pipe = new WebSocketDuplexPipe(socket);
        var remote = context.Connection.RemoteIpAddress is { } ip ? $"{ip}:{context.Connection.RemotePort}" : null;
        var engine = server.HandleConnectionAsync(pipe, remote, context.RequestAborted, context.Connection.ClientCertificate);
        await pipe.RunAsync(engine, context.RequestAborted);
    }
}
