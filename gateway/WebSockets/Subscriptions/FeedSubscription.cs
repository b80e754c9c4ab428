using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Observers;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>
/// A subscription by networks and/or device types (a command in any of them matches), or to
/// every device the token reaches (the "all" feed, filtered by the token's scopes).
/// </summary>
internal sealed class FeedSubscription(long id, WsSession session, TokenPayload token, SubscriptionFilter filter, CommandService commands)
    : CommandSubscription(id, session, token, filter, commands), ICommandFeedObserver
{
    protected override bool Delivers => false;

    private bool Scoped => Filter.NetworkIds is not null || Filter.DeviceTypeIds is not null;

    protected override ObserverSubscription Subscribe(TimeSpan renewEvery) =>
        Commands.Follow(Feeds(), this, renewEvery);

    private string[] Feeds() =>
        Scoped
            ? [.. (Filter.NetworkIds ?? []).Select(CommandFeeds.Network).Concat((Filter.DeviceTypeIds ?? []).Select(CommandFeeds.DeviceType)).Distinct()]
            : [CommandFeeds.All];

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
