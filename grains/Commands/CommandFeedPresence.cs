using System.Collections.Concurrent;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// What this silo believes of each command feed's subscribers. A feed may have subscribers unless its
/// <see cref="CommandFeedGrain"/> said it had none: a feed grain answers a publish that reached nobody by telling the
/// publishing silo so, and the silo then keeps that feed's events to itself for <see cref="SilenceLease"/>. Before a
/// subscription returns, the feed grain tells every silo it silenced that the feed has a subscriber again.
/// </summary>
/// <remarks>
/// Most fleets watch their commands through the device's own subscription or not at all, and without this every
/// command sent three one-way messages, one per change, to the single "all" feed grain of the whole cluster
/// (bench/README.md). The lease bounds what a lost notice can cost: a feed grain that died with its list of silenced
/// silos tells every silo during its successor's first leases (<see cref="CommandFeedGrain"/>).
/// </remarks>
public sealed class CommandFeedPresence(TimeProvider clock)
{
    public static readonly TimeSpan SilenceLease = TimeSpan.FromSeconds(30);

    // One entry per feed key that ever told this silo anything: bounded by the networks and device types.
    private readonly ConcurrentDictionary<string, Belief> _feeds = new(StringComparer.Ordinal);

    public bool MayHaveSubscribers(string feed) =>
        !_feeds.TryGetValue(feed, out var belief) || belief.SilentSince is not { } since || clock.GetElapsedTime(since) >= SilenceLease;

    public void NoSubscribers(string feed, FeedPresenceNotice notice) => Learn(feed, new Belief(notice, clock.GetTimestamp()));

    public void Subscribed(string feed, FeedPresenceNotice notice) => Learn(feed, new Belief(notice, null));

    // Orleans does not promise that two messages arrive in the order they were sent: a notice older than the one
    // already heard from the same feed activation is stale. A notice from another activation is the newer one.
    private void Learn(string feed, Belief news) =>
        _feeds.AddOrUpdate(feed, news, (_, known) =>
            known.Notice.Activation == news.Notice.Activation && known.Notice.Version > news.Notice.Version ? known : news);

    private sealed record Belief(FeedPresenceNotice Notice, long? SilentSince);
}

/// <summary>A feed grain's word on its subscribers: which activation said it, and its count of what it said.</summary>
[GenerateSerializer, Immutable, Alias("cg.FeedPresenceNotice")]
public sealed record FeedPresenceNotice(Guid Activation, long Version);
