using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage.Queries;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace CommandGrid.Grains.Devices;

/// <summary>
/// One device. Commands for it are created here; the ones not yet delivered wait in a queue
/// read from storage (its PENDING commands) the first time it is needed, so the queue can never
/// disagree with what is stored. An activation that only passes on changes (a TTL firing for an
/// offline device, a job creating its execution) never reads it: with a thousand commands pending
/// per device, reading every queue on activation was a million rows after a restart.
/// </summary>
/// <remarks>
/// This grain awaits its command grains (create, read, and the door's delivery confirmations and
/// answers it hands on), and a command grain tells this grain of each change (<see cref="CommandChangedAsync"/>). The cycle cannot deadlock although neither grain
/// is reentrant: the way back is [OneWay] and the command grain does not await it, so a command
/// grain's turn never waits for this grain's.
/// </remarks>
[GrainType("device")]
[DoorLocalPlacement]
public sealed partial class DeviceGrain : Grain, IDeviceGrain
{
    // How many pending commands a connecting device has read at once, and sent in one message.
    private const int ReplayConcurrency = 16;
    private const int ReplayBatch = 100;

    private readonly IPersistentState<DeviceState> _state;
    private readonly IGridQueries _queries;
    private readonly TimeProvider _clock;
    private readonly ILogger<DeviceGrain> _logger;
    // Every live connection with the options it connected with: all are told of new commands, those that
    // want updates of every change, and the delivering ones are the device itself ("connected").
    private readonly ObserverManager<IDeviceConnection, Listener> _connections;
    // Null until read: a command stored meanwhile is PENDING in storage, so the read finds it.
    private List<long>? _pending;
    private readonly TimeSpan _observerExpiry;

    public DeviceGrain(
        [PersistentState("device")] IPersistentState<DeviceState> state,
        IGridQueries queries,
        IOptions<GridOptions> options,
        TimeProvider clock,
        ILogger<DeviceGrain> logger)
    {
        _state = state;
        _queries = queries;
        _clock = clock;
        _logger = logger;
        _observerExpiry = TimeSpan.FromSeconds(options.Value.ObserverExpirySeconds);
        _connections = GridObservers.Create<IDeviceConnection, Listener>(_observerExpiry, logger, clock);
    }

    private string DeviceId => this.GetPrimaryKeyString();

    private async Task<List<long>> PendingAsync()
    {
        if (_pending is null)
        {
            var pending = new List<long>();
            await foreach (var id in _queries.PendingCommandIdsAsync(DeviceId))
            {
                pending.Add(id);
            }
            _pending = pending;
        }
        return _pending;
    }

    public Task<DeviceRecord?> GetAsync() => Task.FromResult(_state.RecordExists ? Describe() : null);

    private DeviceRecord Describe()
    {
        _connections.ClearExpired();
        var connected = _connections.Any(c => c.Options.Delivers);
        return _state.State.ToRecord(connected, connected ? _clock.GetUtcNow() : null);
    }

    public async Task<DeviceRecord> SaveAsync(DeviceRegistration registration)
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var state = _state.State;
        if (!_state.RecordExists)
        {
            state.Id = DeviceId;
            state.Name = DeviceId;
            state.CreatedAtMs = now;
        }
        state.Name = registration.Name ?? state.Name;
        state.DataJson = registration.DataJson ?? state.DataJson;
        state.NetworkId = registration.NetworkId ?? state.NetworkId;
        state.DeviceTypeId = registration.DeviceTypeId ?? state.DeviceTypeId;
        state.IsBlocked = registration.IsBlocked ?? state.IsBlocked;
        state.LastUpdatedMs = now;
        await WriteAsync();
        return Describe();
    }

    public async Task JoinGroupAsync(string group)
    {
        EnsureRegistered();
        if (!_state.State.Groups.Contains(group))
        {
            _state.State.Groups.Add(group);
            await WriteAsync();
        }
    }

    public async Task LeaveGroupAsync(string group)
    {
        if (_state.RecordExists && _state.State.Groups.Remove(group))
        {
            await WriteAsync();
        }
    }

    private Task WriteAsync() => _state.WriteOrReloadAsync(DeactivateOnIdle);

    private void EnsureRegistered()
    {
        if (!_state.RecordExists)
        {
            throw new DeviceNotFoundException($"Device with such deviceId = {DeviceId} not found");
        }
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
            LogSeenNotRecorded(_logger, DeviceId, e);
        }
    }

    public async Task<DeviceRecord> EnsureRegisteredAsync() =>
        _state.RecordExists ? Describe() : await SaveAsync(new DeviceRegistration(null, null, null, null, null));

    public async Task<CommandRecord> CreateCommandAsync(CreateCommandRequest request, long commandId)
    {
        EnsureRegistered();
        if (_state.State.IsBlocked)
        {
            throw new CommandValidationException($"Device {DeviceId} is blocked");
        }
        // Awaiting the command grain is safe: its way back to this grain is one-way (see the class remarks).
        var connected = _connections.Any(c => c.Options.Delivers);
        var command = await GrainFactory.GetGrain<ICommandGrain>(commandId)
            .CreateAsync(new NewCommand(request, commandId, _state.State.NetworkId, _state.State.DeviceTypeId, connected));
        if (command.Status != CommandStatus.Pending)
        {
            // Created before (a job's page repeated after a failure) and already on its way: announced then, not again.
            return command;
        }
        if (_pending is { } queue && !queue.Contains(command.Id))
        {
            queue.Add(command.Id);
        }
        await _connections.Notify(c => c.Connection.CommandAvailable(command));
        return command;
    }

    public async Task ConnectAsync(IDeviceConnection connection, DeviceConnectionOptions options)
    {
        _connections.ClearExpired();
        var wasDelivering = Find(connection)?.Options.Delivers == true;
        _connections.Subscribe(connection, new Listener(connection, options));
        // Connected devices keep their grain, and its connections, in memory; an idle one is collected.
        DelayDeactivation(_observerExpiry);
        if (!options.Delivers || wasDelivering)
        {
            return;
        }
        await RecordSeenAsync();
        int sent;
        try
        {
            sent = await ReplayPendingAsync(connection);
        }
        catch
        {
            // Not a device link until its queue reached it: the door's next renewal connects again and replays.
            _connections.Unsubscribe(connection);
            throw;
        }
        LogConnected(_logger, DeviceId, sent);
    }

    /// <summary>
    /// Sends a newly connected device every command still pending, oldest first. The command grains are
    /// read side by side (a bounded number at a time) on this activation's scheduler; the commands go
    /// out in the queue's order, up to <see cref="ReplayBatch"/> in one message, each batch taken before the
    /// next is sent (Orleans keeps no order among one-way messages). A command that is no longer pending
    /// leaves the queue.
    /// </summary>
    private async Task<int> ReplayPendingAsync(IDeviceConnection connection)
    {
        var queue = await PendingAsync();
        var ids = queue.ToArray();
        var commands = new CommandRecord?[ids.Length];
        var reads = new ParallelOptions { MaxDegreeOfParallelism = ReplayConcurrency, TaskScheduler = TaskScheduler.Current };
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), reads, async (i, _) =>
        {
            commands[i] = await GrainFactory.GetGrain<ICommandGrain>(ids[i]).GetAsync();
        });
        var pending = commands.Where(c => c is { Status: CommandStatus.Pending }).Select(c => c!).ToArray();
        // No other call ran meanwhile (the grain is not reentrant), so the queue is still what was read.
        queue.Clear();
        queue.AddRange(pending.Select(c => c.Id));
        foreach (var batch in pending.Chunk(ReplayBatch))
        {
            await connection.CommandsAvailable([.. batch]);
        }
        return pending.Length;
    }

    public Task DisconnectAsync(IDeviceConnection connection)
    {
        var wasDelivering = Find(connection)?.Options.Delivers == true;
        _connections.Unsubscribe(connection);
        return wasDelivering ? RecordSeenAsync() : Task.CompletedTask;
    }

    public Task<CommandRecord> MarkCommandSentAsync(long commandId) => GrainFactory.GetGrain<ICommandGrain>(commandId).MarkSentAsync();

    // The execution checks that it is this device's (update.DeviceId): another device's is one it does not find.
    public Task<CommandRecord> UpdateCommandAsync(long commandId, CommandUpdate update) =>
        GrainFactory.GetGrain<ICommandGrain>(commandId).UpdateAsync(update with { DeviceId = DeviceId });

    public Task CommandChangedAsync(CommandRecord command)
    {
        if (command.Status != CommandStatus.Pending)
        {
            _pending?.Remove(command.Id);
        }
        return _connections.Notify(c => c.Connection.CommandUpdated(command), c => c.Options.WantsUpdateOf(command));
    }

    public async Task<IReadOnlyList<long>> GetPendingAsync() => [.. await PendingAsync()];

    // A device has a handful of connections at most: a look through them is cheaper than a copy of the manager's dictionary.
    private Listener? Find(IDeviceConnection connection) => _connections.FirstOrDefault(c => c.Connection.Equals(connection));

    /// <summary>A subscribed connection and how it connected.</summary>
    private sealed record Listener(IDeviceConnection Connection, DeviceConnectionOptions Options);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} connected; {Pending} pending commands sent")]
    private static partial void LogConnected(ILogger logger, string deviceId, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record when device {DeviceId} was last seen")]
    private static partial void LogSeenNotRecorded(ILogger logger, string deviceId, Exception error);
}
