using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// Brings a gateway into the cluster as a client: it joins the membership table (so silos can
/// tell its observers' host is alive), and keeps a connection open to every active silo, since
/// that connection is the only way a silo can push notifications to the gateway's observers.
/// </summary>
internal sealed class ClusterClientHostedService(MembershipService membership, ClusterTransport transport,
    ClusterMessageRouter router, ILogger<ClusterClientHostedService> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _ = router;
        membership.Changed += snapshot => transport.DropDeparted(snapshot);
        await membership.StartAsync("", cancellationToken).ConfigureAwait(false);
        await ConnectAllAsync(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(KeepConnectedAsync, CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        await membership.LeaveAsync(cancellationToken).ConfigureAwait(false);
        transport.Kill();
    }

    /// <summary>Reconnects to silos whose connection dropped, and connects to new ones, every refresh period.</summary>
    private async Task KeepConnectedAsync()
    {
        using var timer = new PeriodicTimer(membership.Options.RefreshPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                await ConnectAllAsync(_stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ConnectAllAsync(CancellationToken cancellationToken)
    {
        foreach (var silo in membership.Snapshot.ActiveSilos)
        {
            try
            {
                await transport.GetAsync(silo, cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectFailedException e)
            {
                logger.LogDebug("Gateway {MemberId} cannot reach silo {Silo} yet: {Error}", membership.MemberId, silo, e.Message);
            }
        }
    }
}
