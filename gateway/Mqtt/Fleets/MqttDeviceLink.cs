using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Observers;
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
    private readonly CommandService _commands;
    private readonly JobDocuments _documents;
    private readonly ILogger _logger;
    private readonly ObserverSubscription _subscription;

    public MqttDeviceLink(string clientId, string thing, IMqttPublisher server, DeviceService devices, CommandService commands, JobDocuments documents, TimeSpan renewEvery, ILogger logger)
    {
        _documents = documents;
        _clientId = clientId;
        _thing = thing;
        _server = server;
        _commands = commands;
        _logger = logger;
        _subscription = devices.Connection(thing, this, new DeviceConnectionOptions(Delivers: true, WantsUpdates: false), renewEvery);
    }

    /// <summary>
    /// Subscribes the session at its device (again, when the device subscribed again). If the grid
    /// cannot be reached, the link stays and its renewals retry; commands created meanwhile wait PENDING.
    /// </summary>
    public Task ConnectAsync() => _subscription.TryStartAsync();

    public async Task CommandAvailable(CommandRecord command)
    {
        var delivery = await _server.PublishAsync(_clientId, new MqttApplicationMessage
        {
            Topic = FleetsTopics.Request(_thing, command.Id),
            Payload = FleetsPayloads.Request(command, await _documents.ParametersOfAsync(command)),
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
            await _commands.MarkSentAsync(commandId);
        }
        catch (ObjectDisposedException)
        {
            // The host is gone: the command stays PENDING and is delivered again when the device reconnects.
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Confirming delivery of command {CommandId} to {DeviceId} failed", commandId, _thing);
        }
    }

    public ValueTask DisposeAsync() => _subscription.DisposeAsync();
}
