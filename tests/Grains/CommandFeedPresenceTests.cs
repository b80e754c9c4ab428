using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Xunit;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// A feed with no subscriber tells the silo to stop publishing to it, and a subscription returns only once the
/// silo publishes again: the event after a subscription always arrives, whatever came before it.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class CommandFeedPresenceTests(GrainClusterFixture fixture)
{
    private CommandFeedPresence Presence => fixture.Silo.GetRequiredService<CommandFeedPresence>();

    [Fact]
    public async Task FeedPresence_FeedWithoutSubscribersSilencesThePublishingSilo()
    {
        var (feed, device) = await NetworkDeviceAsync();
        Assert.True(Presence.MayHaveSubscribers(feed));

        await PublishUntilSilencedAsync(feed, device);
    }

    [Fact]
    public async Task FeedPresence_SubscriptionToASilencedFeedGetsTheNextEvent()
    {
        var (feed, device) = await SilencedNetworkDeviceAsync();
        var events = new CommandFeedEvents();
        var observer = fixture.Grains.CreateObjectReference<ICommandFeedObserver>(events);

        await fixture.Grains.GetGrain<ICommandFeedGrain>(feed).SubscribeAsync(observer);

        Assert.True(Presence.MayHaveSubscribers(feed));
        var created = await GrainTestKit.CreateAsync(fixture.Grains, device);
        var inserted = await events.NextAsync();
        Assert.Equal((CommandEventKind.Inserted, created.Id), (inserted.Kind, inserted.Command.Id));
        await fixture.Grains.GetGrain<ICommandFeedGrain>(feed).UnsubscribeAsync(observer);
        fixture.Grains.DeleteObjectReference<ICommandFeedObserver>(observer);
    }

    [Fact]
    public async Task FeedPresence_FeedLeftByItsLastSubscriberIsSilencedAgain()
    {
        var (feed, device) = await SilencedNetworkDeviceAsync();
        var events = new CommandFeedEvents();
        var observer = fixture.Grains.CreateObjectReference<ICommandFeedObserver>(events);
        var feedGrain = fixture.Grains.GetGrain<ICommandFeedGrain>(feed);
        await feedGrain.SubscribeAsync(observer);
        await GrainTestKit.CreateAsync(fixture.Grains, device);
        await events.NextAsync();

        await feedGrain.UnsubscribeAsync(observer);

        await PublishUntilSilencedAsync(feed, device);
        fixture.Grains.DeleteObjectReference<ICommandFeedObserver>(observer);
    }

    [Fact]
    public async Task FeedPresence_SilenceEndsWithItsLease()
    {
        var (feed, _) = await SilencedNetworkDeviceAsync();

        fixture.Clock.Advance(CommandFeedPresence.SilenceLease);

        Assert.True(Presence.MayHaveSubscribers(feed));
    }

    [Fact]
    public async Task FeedPresence_SilenceToldByAnEarlierActivationEndsAtTheFirstSubscription()
    {
        // What a feed activation that was collected, or died with its silo, left behind on a silo.
        var feed = CommandFeeds.Network(Random.Shared.NextInt64(1L << 40, 1L << 50));
        Presence.NoSubscribers(feed, new FeedPresenceNotice(Guid.NewGuid(), 1));
        Assert.False(Presence.MayHaveSubscribers(feed));
        var observer = fixture.Grains.CreateObjectReference<ICommandFeedObserver>(new CommandFeedEvents());

        await fixture.Grains.GetGrain<ICommandFeedGrain>(feed).SubscribeAsync(observer);

        Assert.True(Presence.MayHaveSubscribers(feed));
        fixture.Grains.DeleteObjectReference<ICommandFeedObserver>(observer);
    }

    [Fact]
    public void FeedPresence_StaleNoticeOfTheSameActivationIsIgnored()
    {
        var feed = CommandFeeds.Network(Random.Shared.NextInt64(1L << 40, 1L << 50));
        var activation = Guid.NewGuid();

        // Orleans may deliver the later notice first.
        Presence.Subscribed(feed, new FeedPresenceNotice(activation, 2));
        Presence.NoSubscribers(feed, new FeedPresenceNotice(activation, 1));

        Assert.True(Presence.MayHaveSubscribers(feed));
        Presence.NoSubscribers(feed, new FeedPresenceNotice(activation, 3));
        Assert.False(Presence.MayHaveSubscribers(feed));
    }

    private async Task<(string Feed, string Device)> NetworkDeviceAsync()
    {
        var network = Random.Shared.NextInt64(1L << 40, 1L << 50);
        var device = GridServer.NewId("feed");
        await fixture.Grains.GetGrain<IDeviceGrain>(device).SaveAsync(new DeviceRegistration("test", null, network, null, false));
        return (CommandFeeds.Network(network), device);
    }

    private async Task<(string Feed, string Device)> SilencedNetworkDeviceAsync()
    {
        var (feed, device) = await NetworkDeviceAsync();
        await PublishUntilSilencedAsync(feed, device);
        return (feed, device);
    }

    // A command for the device publishes to its network's feed; with nobody subscribed, the feed grain tells the silo.
    private async Task PublishUntilSilencedAsync(string feed, string device)
    {
        await GrainTestKit.CreateAsync(fixture.Grains, device);
        await Eventually.TrueAsync(() => !Presence.MayHaveSubscribers(feed), TimeSpan.FromSeconds(30), "the feed grain told the silo that nobody listens");
    }
}
