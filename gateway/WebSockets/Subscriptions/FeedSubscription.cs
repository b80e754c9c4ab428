using CommandGrid.Gateway.Auth;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>
/// A subscription by networks and/or device types (a command in any of them matches), or to
/// every device the token reaches (the "all" feed, filtered by the token's scopes).
/// </summary>
internal sealed class FeedSubscription(long id, WsSession session, TokenPayload token, SubscriptionFilter filter)
    : CommandSubscription(id, session, token, filter), ICommandFeedObserver
{
    private ICommandFeedObserver? _reference;

    protected override bool Delivers => false;

    private bool Scoped => Filter.NetworkIds is not null || Filter.DeviceTypeIds is not null;

    private IEnumerable<ICommandFeedGrain> Feeds =>
        (Scoped
            ? (Filter.NetworkIds ?? []).Select(CommandFeeds.Network).Concat((Filter.DeviceTypeIds ?? []).Select(CommandFeeds.DeviceType))
            : [CommandFeeds.All])
        .Distinct()
        .Select(key => Session.Grains.GetGrain<ICommandFeedGrain>(key));

    public override Task AttachAsync()
    {
        _reference = Session.Grains.CreateObjectReference<ICommandFeedObserver>(this);
        return RenewAsync();
    }

    public override Task RenewAsync() =>
        _reference is { } reference ? Task.WhenAll(Feeds.Select(feed => feed.SubscribeAsync(reference))) : Task.CompletedTask;

    public override async Task DetachAsync()
    {
        if (_reference is not { } reference)
        {
            return;
        }
        try
        {
            await Task.WhenAll(Feeds.Select(feed => feed.UnsubscribeAsync(reference)));
        }
        finally
        {
            Session.Grains.DeleteObjectReference<ICommandFeedObserver>(reference);
            _reference = null;
        }
    }

    public override bool Matches(CommandRecord command) =>
        (!Scoped
         || (command.NetworkId is { } network && Filter.NetworkIds?.Contains(network) == true)
         || (command.DeviceTypeId is { } type && Filter.DeviceTypeIds?.Contains(type) == true))
        && base.Matches(command);

    public Task OnCommandEvent(CommandEvent commandEvent)
    {
        if (commandEvent.Kind == CommandEventKind.Inserted)
        {
            OnInserted(commandEvent.Command);
        }
        else
        {
            OnUpdated(commandEvent.Command);
        }
        return Task.CompletedTask;
    }
}
