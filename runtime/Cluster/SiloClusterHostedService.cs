using Microsoft.Extensions.Hosting;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// Brings a silo into the cluster: listen first (the address is what it advertises), then
/// join, and leave cleanly at shutdown so its grains move at once rather than after the death timeout.
/// </summary>
internal sealed class SiloClusterHostedService(MembershipService membership, ClusterTransport transport, SiloOwnership ownership,
    ClusterMessageRouter router) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The router and ownership subscribe in their constructors; resolving them here makes sure they exist before the first change.
        _ = ownership;
        _ = router;
        var options = membership.Options;
        var address = transport.Listen(options.AdvertisedHost, options.SiloPort);
        await membership.StartAsync(address, cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await membership.LeaveAsync(cancellationToken).ConfigureAwait(false);
        transport.Kill();
    }
}
