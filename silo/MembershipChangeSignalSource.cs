using CommandGrid.Gateway.Hosting;
using CommandGrid.Grains;

namespace CommandGrid.Silo;

/// <summary>
/// The doors on a silo learn that a silo went or came from Orleans' membership view, so they
/// renew their grain subscriptions at once (see <see cref="ClusterChangeSignal"/>).
/// </summary>
internal sealed class MembershipChangeSignalSource(IClusterMembershipService membership, ClusterChangeSignal signal)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(
        nameof(MembershipChangeSignalSource),
        ServiceLifecycleStage.Active,
        onStart: starting =>
        {
            _ = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
            return Task.CompletedTask;
        },
        onStop: stopping => _stopping.CancelAsync());

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        string? active = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var now = ActiveSilos.Of(snapshot);
                if (active is not null && now != active)
                {
                    signal.Raise();
                }
                active = now;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
