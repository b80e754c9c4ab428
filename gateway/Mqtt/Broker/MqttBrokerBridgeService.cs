using CommandGrid.Gateway.Hosting;
using Microsoft.Extensions.Hosting;

namespace CommandGrid.Gateway.Mqtt.Broker;

/// <summary>Runs the host's <see cref="MqttBrokerBridge"/> for the application's lifetime (registered only when Mqtt:Broker is set).</summary>
internal sealed class MqttBrokerBridgeService(MqttBrokerBridge bridge, ClusterChangeSignal clusterChanges) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        bridge.Start();
        clusterChanges.Changed += bridge.RenewSoon;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        clusterChanges.Changed -= bridge.RenewSoon;
        await bridge.DisposeAsync();
    }
}
