using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Observers;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>
/// A subscription to one device: a delivering connection of its device grain, so the device's
/// pending commands are pushed at once and each one written counts as delivered (SENT). The execution of a job given
/// by its document carries that document as its parameters, as an MQTT command request does.
/// </summary>
internal sealed class DeviceSubscription(
    long id, WsSession session, TokenPayload token, SubscriptionFilter filter, CommandService commands, DeviceService devices, JobDocuments documents)
    : CommandSubscription(id, session, token, filter, commands), IDeviceConnection
{
    protected override bool Delivers => true;

    protected override ObserverSubscription Subscribe(TimeSpan renewEvery) =>
        devices.Connection(Filter.DeviceId!, this, new DeviceConnectionOptions(Delivers: true, WantsUpdates: Filter.ReturnUpdatedCommands), renewEvery);

    public override bool Matches(CommandRecord command) => command.DeviceId == Filter.DeviceId && base.Matches(command);

    public async Task CommandAvailable(CommandRecord command) => OnInserted(await documents.DeliverableAsync(command));

    public Task CommandUpdated(CommandRecord command)
    {
        OnUpdated(command);
        return Task.CompletedTask;
    }
}
