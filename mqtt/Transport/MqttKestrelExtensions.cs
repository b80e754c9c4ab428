using System.Net;
using CommandGrid.Mqtt.Server;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommandGrid.Mqtt.Transport;

public static class MqttKestrelExtensions
{
    /// <summary>Serves MQTT on this endpoint instead of HTTP.</summary>
    public static ListenOptions UseMqtt(this ListenOptions listenOptions)
    {
        listenOptions.UseConnectionHandler<MqttConnectionHandler>();
        return listenOptions;
    }

    /// <summary>Listens for MQTT on all interfaces, on the port from the <c>Mqtt</c> configuration (default 1883).</summary>
    public static KestrelServerOptions ListenMqtt(this KestrelServerOptions kestrel)
    {
        var port = kestrel.ApplicationServices.GetRequiredService<IOptions<MqttServerOptions>>().Value.Port;
        return kestrel.ListenMqtt(IPAddress.Any, port);
    }

    /// <summary>Listens for MQTT on all interfaces on <paramref name="port"/>.</summary>
    public static KestrelServerOptions ListenMqtt(this KestrelServerOptions kestrel, int port) =>
        kestrel.ListenMqtt(IPAddress.Any, port);

    /// <summary>Listens for MQTT on one address; <paramref name="configure"/> sees the endpoint (e.g. to learn a port-0 binding).</summary>
    public static KestrelServerOptions ListenMqtt(this KestrelServerOptions kestrel, IPAddress address, int port, Action<ListenOptions>? configure = null)
    {
        kestrel.Listen(address, port, listen =>
        {
            listen.UseMqtt();
            configure?.Invoke(listen);
        });
        return kestrel;
    }
}
