using Orleans.Services;

namespace CommandGrid.Grains.Commands;

/// <summary>Each silo's <see cref="CommandFeedPresence"/>, as feed grains on any silo reach it.</summary>
[Alias("cg.ICommandFeedPresenceService")]
public interface ICommandFeedPresenceService : IGrainService
{
    // One-way: it answers a publish, and the feed grain waits on nothing for it.
    [OneWay]
    Task NoSubscribersAsync(string feed, FeedPresenceNotice notice);

    // Awaited: the subscription returns only once every silo that may hold the feed's events sends them again.
    Task SubscribedAsync(string feed, FeedPresenceNotice notice);
}
