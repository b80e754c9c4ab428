using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace CommandGrid.Mqtt.Transport;

public static class MqttEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps MQTT over WebSocket at <paramref name="pattern"/> (conventionally <c>/mqtt</c>). The endpoint
    /// carries its own WebSocket middleware, so the app need not call <c>UseWebSockets</c> for it.
    /// </summary>
    public static IEndpointConventionBuilder MapMqttWebSocket(this IEndpointRouteBuilder endpoints, string pattern = "/mqtt")
    {
        var pipeline = endpoints.CreateApplicationBuilder().UseWebSockets();
        pipeline.Run(MqttWebSocketEndpoint.HandleAsync);
        return endpoints.Map(pattern, pipeline.Build()).WithDisplayName("MQTT over WebSocket");
    }
}
