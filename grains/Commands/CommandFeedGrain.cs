using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// Fans command events of a network, a device type or the whole fleet out to subscribed connections. With nobody
/// subscribed, it tells each publishing silo so, and that silo stops publishing to it for a while
/// (<see cref="CommandFeedPresence"/>); a new subscription returns only after those silos were told to publish again.
/// </summary>
[GrainType("commandfeed")]
public sealed partial class CommandFeedGrain(
    IOptions<GridOptions> options,
    TimeProvider clock,
    CommandFeedPresenceClient presence,
    IClusterMembershipService membership,
    ILogger<CommandFeedGrain> logger)
    : Grain, ICommandFeedGrain
{
    // A silo holds a silence for a lease from when it hears of it; this side counts twice that from when it told it,
    // for the notice's way there and for two clocks that measure the same lease.
    private static readonly TimeSpan SilenceHeld = 2 * CommandFeedPresence.SilenceLease;

    private readonly ObserverManager<ICommandFeedObserver> _observers =
        GridObservers.Create<ICommandFeedObserver>(TimeSpan.FromSeconds(options.Value.ObserverExpirySeconds), logger, clock);

    private readonly Guid _activation = Guid.NewGuid();
    private readonly long _activatedAt = clock.GetTimestamp();
    private long _version;
    // The silos this activation told that nobody listens, with when it told them.
    private readonly Dictionary<SiloAddress, long> _silenced = [];
    // Silences told by an earlier activation of this feed (idle-collected, or lost with its silo) end within
    // SilenceHeld of this one's start: until then, the first subscription tells every silo.
    private bool _earlierSilencesCovered;

    public async Task SubscribeAsync(ICommandFeedObserver observer)
    {
        _observers.Subscribe(observer, observer);
        await TellSilencedSilosAsync();
    }

    public Task UnsubscribeAsync(ICommandFeedObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task PublishAsync(CommandEvent commandEvent, SiloAddress publisher)
    {
        if (_observers.Count > 0)
        {
            return _observers.Notify(o => o.OnCommandEvent(commandEvent));
        }
        Silence(publisher);
        return Task.CompletedTask;
    }

    private void Silence(SiloAddress publisher)
    {
        // Publishes sent before the silo heard the notice still arrive: one notice per lease is enough.
        if (_silenced.TryGetValue(publisher, out var told) && clock.GetElapsedTime(told) < CommandFeedPresence.SilenceLease)
        {
            return;
        }
        _silenced[publisher] = clock.GetTimestamp();
        _ = presence.On(publisher).NoSubscribersAsync(this.GetPrimaryKeyString(), Notice());
    }

    private async Task TellSilencedSilosAsync()
    {
        var silos = _silenced.Where(s => clock.GetElapsedTime(s.Value) < SilenceHeld).Select(s => s.Key).ToHashSet();
        _silenced.Clear();
        if (!_earlierSilencesCovered)
        {
            _earlierSilencesCovered = true;
            if (clock.GetElapsedTime(_activatedAt) < SilenceHeld)
            {
                silos.UnionWith(membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress));
            }
        }
        if (silos.Count == 0)
        {
            return;
        }
        var notice = Notice();
        await Task.WhenAll(silos.Select(silo => TellSubscribedAsync(silo, notice)));
    }

    private async Task TellSubscribedAsync(SiloAddress silo, FeedPresenceNotice notice)
    {
        try
        {
            await presence.On(silo).SubscribedAsync(this.GetPrimaryKeyString(), notice);
        }
        catch (Exception e)
        {
            // A silo that died publishes nothing; one that was unreachable keeps the feed's events for at most a lease.
            LogSiloNotTold(logger, this.GetPrimaryKeyString(), silo, e.Message);
        }
    }

    private FeedPresenceNotice Notice() => new(_activation, ++_version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command feed {Feed} could not tell silo {Silo} of its new subscriber, which may miss that silo's events for a lease: {Reason}")]
    private static partial void LogSiloNotTold(ILogger logger, string feed, SiloAddress silo, string reason);
}
