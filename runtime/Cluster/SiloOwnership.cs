using CommandGrid.Runtime.Hosting;
using CommandGrid.Runtime.Reminders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// Keeps a silo's work in line with the ring: when ownership moves it deactivates the grains
/// it no longer owns and takes over the reminder ranges it now owns (loading the reminders of
/// a dead silo, so they fire here); when the silo is declared dead it stops everything.
/// </summary>
public sealed class SiloOwnership
{
    private readonly MembershipService _membership;
    private readonly Catalog _catalog;
    private readonly ReminderService _reminders;
    private readonly ClusterTransport _transport;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILogger<SiloOwnership> _logger;

    public SiloOwnership(MembershipService membership, Catalog catalog, ReminderService reminders, ClusterTransport transport,
        ILogger<SiloOwnership> logger, IHostApplicationLifetime? lifetime = null)
    {
        _membership = membership;
        _catalog = catalog;
        _reminders = reminders;
        _transport = transport;
        _lifetime = lifetime;
        _logger = logger;
        membership.Changed += OnChanged;
        membership.DeclaredDead += OnDeclaredDead;
    }

    /// <summary>When the last ownership change (deactivations and reminder reload) finished.</summary>
    public DateTimeOffset LastApplied { get; private set; }

    private readonly SemaphoreSlim _applying = new(1, 1);

    // Handlers run on the membership refresh loop; the work goes to the thread pool so the loop
    // (and the heartbeat beside it) never waits on a reminder reload, and the semaphore applies changes in order.
    private void OnChanged(MembershipSnapshot snapshot) => _ = ApplyAsync(snapshot);

    private async Task ApplyAsync(MembershipSnapshot snapshot)
    {
        await _applying.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!ReferenceEquals(snapshot, _membership.Snapshot) && !_membership.Snapshot.SamePlacement(snapshot))
            {
                // A newer change is queued behind us and will apply its own ring.
                return;
            }
            await ApplyCoreAsync(snapshot).ConfigureAwait(false);
        }
        finally
        {
            _applying.Release();
        }
    }

    private async Task ApplyCoreAsync(MembershipSnapshot snapshot)
    {
        var self = _membership.MemberId;
        var ring = snapshot.Ring;
        _transport.DropDeparted(snapshot);
        var deactivation = _catalog.DeactivateAsync(id => ring.OwnerOf(id) != self, DeactivationReason.OwnershipMoved);
        var ranges = ring.RangesOf(self);
        try
        {
            await _reminders.SetRangesAsync(ranges).ConfigureAwait(false);
            LastApplied = DateTimeOffset.UtcNow;
            _logger.LogInformation("Silo {MemberId} owns {Ranges} ring ranges among {Silos} silos; {Reminders} reminders loaded",
                self, ranges.Count, snapshot.ActiveSilos.Length, _reminders.Pending);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Silo {MemberId} could not load its reminder ranges", self);
        }
        _ = deactivation.ContinueWith(t => _logger.LogWarning(t.Exception, "Deactivating moved grains failed"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private void OnDeclaredDead(string reason)
    {
        // A dead silo must not run anything more: others own its grains and reminders now.
        _transport.Kill();
        _ = _reminders.SetRangesAsync([]);
        _ = _catalog.DeactivateAsync(_ => true, DeactivationReason.ShuttingDown);
        if (_membership.Options.ExitWhenDeclaredDead && _lifetime is not null)
        {
            _logger.LogCritical("Silo {MemberId} was declared dead ({Reason}); stopping the process", _membership.MemberId, reason);
            _lifetime.StopApplication();
        }
    }
}
