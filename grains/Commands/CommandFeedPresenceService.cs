using Microsoft.Extensions.Logging;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// A grain service, so that a feed grain can address one silo by its address: Orleans runs one on every silo, and
/// <see cref="CommandFeedPresenceClient"/> names the silo.
/// </summary>
internal sealed class CommandFeedPresenceService(GrainId id, Silo silo, ILoggerFactory loggerFactory, CommandFeedPresence presence)
    : GrainService(id, silo, loggerFactory), ICommandFeedPresenceService
{
    public Task NoSubscribersAsync(string feed, FeedPresenceNotice notice)
    {
        presence.NoSubscribers(feed, notice);
        return Task.CompletedTask;
    }

    public Task SubscribedAsync(string feed, FeedPresenceNotice notice)
    {
        presence.Subscribed(feed, notice);
        return Task.CompletedTask;
    }
}
