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

    private void OnChanged(MembershipSnapshot snapshot)
    {
        var self = _membership.MemberId;
        var ring = snapshot.Ring;
        _transport.DropDeparted(snapshot);
        var deactivation = _catalog.DeactivateAsync(id => ring.OwnerOf(id) != self, DeactivationReason.OwnershipMoved);
        var ranges = ring.RangesOf(self);
        // Runs on the membership refresh loop, so changes apply one at a time and in order.
        try
        {
            _reminders.SetRangesAsync(ranges).GetAwaiter().GetResult();
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
