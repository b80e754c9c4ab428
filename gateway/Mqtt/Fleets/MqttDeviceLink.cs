using CommandGrid.Gateway.Hosting;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Mqtt.Fleets;

/// <summary>
/// Ties one MQTT session to its device grain: commands the grain hands over are published
/// to the session's request topic at QoS 1 and confirmed as SENT once they reach a live
/// connection (or, for a session that was offline, once the device acknowledges them).
/// </summary>
internal sealed class MqttDeviceLink : IDeviceConnection, IAsyncDisposable
{
    private readonly string _clientId;
    private readonly string _thing;
    private readonly IMqttPublisher _server;
    private readonly IGrainFactory _grains;
    private readonly ILogger _logger;
    private readonly IDeviceConnection _reference;
    private readonly Timer _renewal;

    private readonly TimeSpan _renewEvery;
    private volatile bool _disposed;
    private readonly ClusterChangeSignal _clusterChanges;

    public MqttDeviceLink(string clientId, string thing, IMqttPublisher server, IGrainFactory grains, TimeSpan renewEvery, ClusterChangeSignal clusterChanges, ILogger logger)
    {
        _renewEvery = renewEvery;
        _clusterChanges = clusterChanges;
        _clientId = clientId;
        _thing = thing;
        _server = server;
        _grains = grains;
        _logger = logger;
        _reference = grains.CreateObjectReference<IDeviceConnection>(this);
        _renewal = new Timer(_ => _ = ConnectAsync(), null, renewEvery, renewEvery);
        clusterChanges.Changed += RenewSoon;
    }

    // The device grain may have been reactivated on another silo and forgotten this connection.
    private void RenewSoon() => _ = ClusterChangeSignal.RenewAfterChangeAsync(ConnectAsync, CancellationToken.None);

    private IDeviceGrain Device => _grains.GetGrain<IDeviceGrain>(_thing);

    public async Task ConnectAsync()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            await Device.ConnectAsync(_reference, new DeviceConnectionOptions(Delivers: true, WantsUpdates: false));
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Subscribing MQTT session {ClientId} at device {DeviceId} failed; retrying in a second", _clientId, _thing);
            // Commands created meanwhile wait PENDING for this subscription, so do not wait a whole period.
            _renewal.Change(TimeSpan.FromSeconds(1), _renewEvery);
        }
    }

    public async Task CommandAvailable(CommandRecord command)
    {
        var delivery = await _server.PublishAsync(_clientId, new MqttApplicationMessage
        {
            Topic = FleetsTopics.Request(_thing, command.Id),
            Payload = FleetsPayloads.Request(command),
            QualityOfService = MqttQualityOfService.AtLeastOnce,
            ContentType = "application/json",
            MessageExpiryInterval = (uint)Math.Max(1, (command.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds),
        });
        switch (delivery.Status)
        {
            case MqttDeliveryStatus.Delivered:
                await ConfirmAsync(command.Id);
                break;
            case MqttDeliveryStatus.Queued:
                _ = ConfirmWhenAcknowledgedAsync(command.Id, delivery.Acknowledged);
                break;
            default:
                _logger.LogInformation("Command {CommandId} not published to {ClientId}: {Status}", command.Id, _clientId, delivery.Status);
                break;
        }
    }

    public Task CommandUpdated(CommandRecord command) => Task.CompletedTask;

    private async Task ConfirmWhenAcknowledgedAsync(long commandId, Task<bool> acknowledged)
    {
        if (await acknowledged)
        {
            await ConfirmAsync(commandId);
        }
    }

    private async Task ConfirmAsync(long commandId)
    {
        try
        {
            await _grains.GetGrain<ICommandGrain>(commandId).MarkSentAsync();
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Confirming delivery of command {CommandId} to {DeviceId} failed", commandId, _thing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _clusterChanges.Changed -= RenewSoon;
        await _renewal.DisposeAsync();
        try
        {
            await Device.DisconnectAsync(_reference);
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "Unsubscribing {ClientId} from {DeviceId} failed; the subscription will expire", _clientId, _thing);
        }
        finally
        {
            // Only after the grain forgot it: deleted first, every notification still on its way is logged by Orleans as an error.
            _grains.DeleteObjectReference<IDeviceConnection>(_reference);
        }
    }
}
