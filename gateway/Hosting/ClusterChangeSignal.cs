namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// Raised when the cluster lost or gained a silo. Grains keep their observers in memory only,
/// so a grain that was reactivated elsewhere has forgotten the connections it served: every door
/// renews its subscriptions soon after this instead of waiting for its periodic renewal.
/// </summary>
public sealed class ClusterChangeSignal
{
    /// <summary>
    /// Renews 1–2 s after a change and again 5 s later: survivors drop activations whose directory
    /// entries lived on a dead silo a little after the death is declared, which can undo the first renewal.
    /// The jitter spreads the renewals of many connections.
    /// </summary>
    public static async Task RenewAfterChangeAsync(Func<Task> renew, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(1000 + Random.Shared.Next(1000)), cancellationToken);
        await renew();
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        await renew();
    }

    public event Action? Changed;

    public void Raise() => Changed?.Invoke();
}
