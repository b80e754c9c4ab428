using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Mqtt.Jobs;
using CommandGrid.Gateway.Observers;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Mqtt.Fleets;

/// <summary>
/// Ties one MQTT session to its device grain. A session that subscribed to the command request topic gets each command
/// published there at QoS 1, confirmed as SENT once it reaches a live connection (or, for a session that was offline,
/// once the device acknowledges it). A session that subscribed to its jobs topics takes the executions of fleet jobs
/// through them instead (<see cref="JobsNotices"/>): it is told of them on <c>notify</c> and <c>notify-next</c>, and an
/// execution is SENT once a notice naming it reached the device.
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
    private readonly ThingJobsService _jobs;
    private readonly TimeProvider _clock;
    // Made when the session first speaks jobs: most devices never do, and an idle link should cost little.
    private JobsNotices? _notices;
    private volatile bool _takesRequests;
    private volatile bool _speaksJobs;

    public MqttDeviceLink(
        string clientId, string thing, IMqttPublisher server, DeviceService devices, CommandService commands, ThingJobsService jobs,
        JobDocuments documents, TimeProvider clock, TimeSpan renewEvery, ILogger logger)
    {
        _clientId = clientId;
        _thing = thing;
        _server = server;
        _commands = commands;
        _documents = documents;
        _logger = logger;
        _jobs = jobs;
        _clock = clock;
        _subscription = devices.Connection(thing, this, () => new DeviceConnectionOptions(Delivers: true, WantsUpdates: false, WantsJobUpdates: _speaksJobs), renewEvery);
    }

    /// <summary>
    /// Subscribes the session at its device (again, when the device subscribed again), taking command requests, jobs, or
    /// both from now on. If the grid cannot be reached, the link stays and its renewals retry; commands created meanwhile
    /// wait PENDING.
    /// </summary>
    public async Task ConnectAsync(bool takesRequests, bool speaksJobs)
    {
        _takesRequests |= takesRequests;
        if (speaksJobs && !_speaksJobs)
        {
            // What is pending now is what the device asks for (get, $next, start-next); notices tell it of changes from here.
            await LazyInitializer.EnsureInitialized(ref _notices,
                () => new JobsNotices(_clientId, _thing, _server, _jobs, _documents, _clock, ConfirmDeliveryAsync, _logger)).StartAsync();
            _speaksJobs = true;
        }
        await _subscription.TryStartAsync();
    }

    /// <summary>The device is back on its kept session: it is told its next execution again (notify-next).</summary>
    public Task ResumedAsync() => _speaksJobs ? _notices!.AnnounceAsync(resendNext: true) : Task.CompletedTask;

    public async Task CommandAvailable(CommandRecord command)
    {
        if (command.JobId is not null && _speaksJobs)
        {
            // Not awaited: the notices of a burst of executions (a connecting device's queue) fold into one.
            _ = _notices!.AnnounceAsync(resendNext: false);
            return;
        }
        if (!_takesRequests)
        {
            return;
        }
        var delivery = await _server.PublishAsync(_clientId, new MqttApplicationMessage
        {
            Topic = FleetsTopics.Request(_thing, command.Id),
            Payload = FleetsPayloads.Request(await _documents.DeliverableAsync(command)),
            QualityOfService = MqttQualityOfService.AtLeastOnce,
            ContentType = "application/json",
            MessageExpiryInterval = (uint)Math.Max(1, (command.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds),
        });
        if (!await ConfirmDeliveryAsync(delivery, [command.Id]))
        {
            _logger.LogInformation("Command {CommandId} not published to {ClientId}: {Status}", command.Id, _clientId, delivery.Status);
        }
    }

    public Task CommandUpdated(CommandRecord command)
    {
        if (command.JobId is not null && _speaksJobs)
        {
            _ = _notices!.AnnounceAsync(resendNext: false);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Confirms the executions a publish told the device of as SENT: at once when it reached the live connection, once
    /// the device acknowledges it when it was kept for an offline session. False when it reached neither.
    /// </summary>
    private async Task<bool> ConfirmDeliveryAsync(MqttDeliveryResult delivery, IReadOnlyList<long> commandIds)
    {
        switch (delivery.Status)
        {
            case MqttDeliveryStatus.Delivered:
                await Task.WhenAll(commandIds.Select(ConfirmAsync));
                return true;
            case MqttDeliveryStatus.Queued:
                _ = ConfirmWhenAcknowledgedAsync(commandIds, delivery.Acknowledged);
                return true;
            default:
                return false;
        }
    }

    private async Task ConfirmWhenAcknowledgedAsync(IReadOnlyList<long> commandIds, Task<bool> acknowledged)
    {
        if (await acknowledged)
        {
            await Task.WhenAll(commandIds.Select(ConfirmAsync));
        }
    }

    private async Task ConfirmAsync(long commandId)
    {
        try
        {
            await _commands.MarkSentAsync(_thing, commandId);
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
