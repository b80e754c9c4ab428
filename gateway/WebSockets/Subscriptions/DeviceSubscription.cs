using CommandGrid.Gateway.Auth;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>
/// A subscription to one device: a delivering connection of its device grain, so the device's
/// pending commands are pushed at once and each one written counts as delivered (SENT).
/// </summary>
internal sealed class DeviceSubscription(long id, WsSession session, TokenPayload token, SubscriptionFilter filter)
    : CommandSubscription(id, session, token, filter), IDeviceConnection
{
    private IDeviceConnection? _reference;

    protected override bool Delivers => true;

    private IDeviceGrain Device => Session.Grains.GetGrain<IDeviceGrain>(Filter.DeviceId!);

    private DeviceConnectionOptions Options => new(Delivers: true, WantsUpdates: Filter.ReturnUpdatedCommands);

    public override Task AttachAsync()
    {
        _reference = Session.Grains.CreateObjectReference<IDeviceConnection>(this);
        return Device.ConnectAsync(_reference, Options);
    }

    public override Task RenewAsync() => _reference is null ? Task.CompletedTask : Device.ConnectAsync(_reference, Options);

    public override async Task DetachAsync()
    {
        if (_reference is not { } reference)
        {
            return;
        }
        try
        {
            await Device.DisconnectAsync(reference);
        }
        finally
        {
            Session.Grains.DeleteObjectReference<IDeviceConnection>(reference);
            _reference = null;
        }
    }

    public override bool Matches(CommandRecord command) => command.DeviceId == Filter.DeviceId && base.Matches(command);

    public Task CommandAvailable(CommandRecord command)
    {
        OnInserted(command);
        return Task.CompletedTask;
    }

    public Task CommandUpdated(CommandRecord command)
    {
        OnUpdated(command);
        return Task.CompletedTask;
    }
}
