using CommandGrid.Gateway.Hosting;
using CommandGrid.Grains.Cluster;

namespace CommandGrid.Silo;

/// <summary>
/// The doors on a silo learn from the silo's watcher of the active silos that a silo went or came,
/// so they renew their grain subscriptions at once (see <see cref="ClusterChangeSignal"/>).
/// </summary>
internal sealed class ClusterChangeSignalListener(ClusterChangeSignal signal) : IActiveSilosListener
{
    public Task OnActiveSilosAsync(ActiveSilosChange change, CancellationToken cancellationToken)
    {
        // Joining needs no renewal: the doors open only once the silo is active, so nothing subscribed before.
        if (change == ActiveSilosChange.Changed)
        {
            signal.Raise();
        }
        return Task.CompletedTask;
    }
}
