namespace CommandGrid.Gateway.Hosting;

/// <summary>A standalone gateway learns that a silo went or came from its Orleans client's gateway count.</summary>
internal sealed class GatewayCountObserver(ClusterChangeSignal signal) : IClusterConnectionStatusObserver
{
    public void NotifyClusterConnectionLost()
    {
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) => signal.Raise();
}
