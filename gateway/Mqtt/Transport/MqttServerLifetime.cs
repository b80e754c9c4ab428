using CommandGrid.Gateway.Mqtt.Server;
using Microsoft.Extensions.Hosting;

namespace CommandGrid.Gateway.Mqtt.Transport;

/// <summary>
/// Closes MQTT sessions when the host stops. Registered after Kestrel's host service, so it is stopped
/// before Kestrel and 5.0 clients still receive their DISCONNECT (Server shutting down).
/// </summary>
internal sealed class MqttServerLifetime(MqttServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
