using CommandGrid.Mqtt.Server;
using Microsoft.Extensions.Hosting;

namespace CommandGrid.Mqtt.Transport;

/// <summary>
/// Closes MQTT sessions as soon as the host starts stopping. It acts on ApplicationStopping rather than in
/// its own StopAsync because Kestrel may be stopped first, and Kestrel waits for connection handlers to
/// return: without this, MQTT connections would hang shutdown until Kestrel's timeout aborts them, and
/// 5.0 clients would never see their DISCONNECT (Server shutting down).
/// </summary>
internal sealed class MqttServerLifetime(MqttServer server, IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() => _ = server.StopAsync());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _registration.DisposeAsync();
        await server.StopAsync(cancellationToken);
    }
}
