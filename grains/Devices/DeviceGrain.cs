using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace CommandGrid.Grains.Devices;

/// <summary>
/// One device. Commands for it are created here; the ones not yet delivered wait in a queue
/// rebuilt on activation from the commands table (status PENDING), so the queue can never
/// disagree with what is stored.
/// </summary>
[GrainType("device")]
public sealed class DeviceGrain : Grain, IDeviceGrain
{
    private readonly IPersistentState<DeviceState> _state;
    private readonly IIndexedStateQuery _query;
    private readonly CommandIdGenerator _ids;
    private readonly TimeProvider _clock;
    private readonly ILogger<DeviceGrain> _logger;
    private readonly ObserverManager<IDeviceConnection> _connections;
    // The connections that also asked for every change (DeviceHive returnUpdatedCommands).
    private readonly ObserverManager<IDeviceConnection> _updateWatchers;
    // The connections that are the device itself (not users watching it): "connected" means one of these is live.
    private readonly ObserverManager<IDeviceConnection> _deviceLinks;
    private readonly List<long> _pending = [];

    public DeviceGrain(
        [PersistentState("device")] IPersistentState<DeviceState> state,
        IIndexedStateQuery query,
        CommandIdGenerator ids,
        IOptions<GridOptions> options,
        TimeProvider clock,
        ILogger<DeviceGrain> logger)
    {
        _state = state;
        _query = query;
        _ids = ids;
        _clock = clock;
        _logger = logger;
        var expiry = TimeSpan.FromSeconds(options.Value.ObserverExpirySeconds);
        _connections = GridObservers.Create<IDeviceConnection>(expiry, logger, clock);
        _updateWatchers = GridObservers.Create<IDeviceConnection>(expiry, logger, clock);
        _deviceLinks = GridObservers.Create<IDeviceConnection>(expiry, logger, clock);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var pending = new IndexQuery(
            GridTables.Commands,
            [new ColumnFilter("device_id", FilterOperator.Equal, this.GetPrimaryKeyString()),
             new ColumnFilter("status", FilterOperator.Equal, CommandStatus.Pending)],
            "created_at", Descending: false, After: null, Limit: 500);
        await foreach (var row in _query.QueryAllAsync(pending, cancellationToken))
        {
            _pending.Add(CommandState.IdOf(row));
        }
    }

    public Task<DeviceRecord?> GetAsync() => Task.FromResult(_state.RecordExists ? Describe() : null);

    private DeviceRecord Describe()
    {
        _deviceLinks.ClearExpired();
        var connected = _deviceLinks.Count > 0;
        return _state.State.ToRecord(connected, connected ? _clock.GetUtcNow() : null);
    }

    public async Task<DeviceRecord> SaveAsync(DeviceRegistration registration)
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var state = _state.State;
        if (!_state.RecordExists)
        {
            state.Id = this.GetPrimaryKeyString();
            state.Name = this.GetPrimaryKeyString();
            state.CreatedAtMs = now;
        }
        state.Name = registration.Name ?? state.Name;
        state.DataJson = registration.DataJson ?? state.DataJson;
        state.NetworkId = registration.NetworkId ?? state.NetworkId;
        state.DeviceTypeId = registration.DeviceTypeId ?? state.DeviceTypeId;
        state.IsBlocked = registration.IsBlocked ?? state.IsBlocked;
        state.LastUpdatedMs = now;
        try
        {
            await _state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            DeactivateOnIdle();
            throw;
        }
        return Describe();
    }

    // Best effort: "last seen" is a hint for operators, so a failed write must not refuse the connection.
    private async Task RecordSeenAsync()
    {
        if (!_state.RecordExists)
        {
            return;
        }
        try
        {
            _state.State.LastSeenMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            await _state.WriteStateAsync();
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            _logger.LogWarning(e, "Could not record when device {DeviceId} was last seen", this.GetPrimaryKeyString());
        }
    }

    public async Task<DeviceRecord> EnsureRegisteredAsync() =>
        _state.RecordExists ? Describe() : await SaveAsync(new DeviceRegistration(null, null, null, null, null));

    public async Task<CommandRecord> CreateCommandAsync(CreateCommandRequest request, long? commandId = null)
    {
        if (!_state.RecordExists)
        {
            throw new DeviceNotFoundException($"Device with such deviceId = {this.GetPrimaryKeyString()} not found");
        }
        if (_state.State.IsBlocked)
        {
            throw new CommandValidationException($"Device {this.GetPrimaryKeyString()} is blocked");
        }
        var id = commandId ?? await _ids.NextAsync();
        var command = await GrainFactory.GetGrain<ICommandGrain>(id)
            .CreateAsync(new NewCommand(request, id, _state.State.NetworkId, _state.State.DeviceTypeId));
        if (command.Status == CommandStatus.Pending && !_pending.Contains(command.Id))
        {
            _pending.Add(command.Id);
        }
        await _connections.Notify(c => c.CommandAvailable(command));
        return command;
    }

    public async Task ConnectAsync(IDeviceConnection connection, DeviceConnectionOptions options)
    {
        var isNew = !_connections.Observers.ContainsKey(connection);
        _connections.Subscribe(connection, connection);
        if (options.WantsUpdates)
        {
            _updateWatchers.Subscribe(connection, connection);
        }
        else
        {
            _updateWatchers.Unsubscribe(connection);
        }
        if (!options.Delivers)
        {
            return;
        }
        _deviceLinks.Subscribe(connection, connection);
        if (!isNew)
        {
            return;
        }
        await RecordSeenAsync();
        foreach (var id in _pending.ToArray())
        {
            var command = await GrainFactory.GetGrain<ICommandGrain>(id).GetAsync();
            if (command is null || command.Status != CommandStatus.Pending)
            {
                _pending.Remove(id);
                continue;
            }
            await connection.CommandAvailable(command);
        }
        _logger.LogInformation("Device {DeviceId} connected; {Pending} pending commands sent", this.GetPrimaryKeyString(), _pending.Count);
    }

    public Task DisconnectAsync(IDeviceConnection connection)
    {
        _connections.Unsubscribe(connection);
        _updateWatchers.Unsubscribe(connection);
        if (_deviceLinks.Observers.ContainsKey(connection))
        {
            _deviceLinks.Unsubscribe(connection);
            return RecordSeenAsync();
        }
        return Task.CompletedTask;
    }

    public Task CommandChangedAsync(CommandRecord command)
    {
        if (command.Status != CommandStatus.Pending)
        {
            _pending.Remove(command.Id);
        }
        return _updateWatchers.Notify(c => c.CommandUpdated(command));
    }

    public Task<IReadOnlyList<long>> GetPendingAsync() => Task.FromResult<IReadOnlyList<long>>([.. _pending]);
}
