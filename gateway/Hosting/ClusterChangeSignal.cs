namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// Raised when the cluster lost or gained a silo. Grains keep their observers in memory only,
/// so a grain that was reactivated elsewhere has forgotten the connections it served: every door
/// renews its subscriptions soon after this instead of waiting for its periodic renewal.
/// </summary>
public sealed class ClusterChangeSignal
{
    public event Action? Changed;

    public void Raise() => Changed?.Invoke();
}
