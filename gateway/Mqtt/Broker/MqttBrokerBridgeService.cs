using Microsoft.Extensions.Hosting;

namespace CommandGrid.Gateway.Mqtt.Broker;

/// <summary>Runs the host's <see cref="MqttBrokerBridge"/> for the application's lifetime (registered only when Mqtt:Broker is set).</summary>
internal sealed class MqttBrokerBridgeService(MqttBrokerBridge bridge) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        bridge.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await bridge.DisposeAsync();
}
