using CommandGrid.Grains.Interfaces;
using CommandGrid.Runtime;
using CommandGrid.Runtime.Observers;
using CommandGrid.Runtime.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// One execution: PENDING → SENT → progress → one final status, never changing after that.
/// The TTL is a durable one-shot reminder at timestamp + lifetime.
/// </summary>
public sealed class CommandGrain : Grain, ICommandGrain, IRemindable
{
    internal const string TtlReminder = "ttl";

    private readonly IPersistentState<CommandState> _state;
    private readonly GridOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<CommandGrain> _logger;
    private readonly ObserverManager<ICommandObserver> _observers;

    public CommandGrain(
        [PersistentState("command")] IPersistentState<CommandState> state,
        IOptions<GridOptions> options,
        TimeProvider clock,
        ILogger<CommandGrain> logger)
    {
        _state = state;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _observers = new ObserverManager<ICommandObserver>(TimeSpan.FromSeconds(_options.ObserverExpirySeconds), logger, clock);
    }

    private CommandState State => _state.State;

    public async Task<CommandRecord> CreateAsync(NewCommand command)
    {
        if (_state.RecordExists)
        {
            return State.ToRecord();
        }
        var request = command.Request;
        var lifetime = request.Lifetime ?? _options.DefaultLifetimeSeconds;
        if (lifetime <= 0 || lifetime > _options.MaxLifetimeSeconds)
        {
            throw new CommandValidationException($"Lifetime must be between 1 and {_options.MaxLifetimeSeconds} seconds.");
        }
        var now = _clock.GetUtcNow();
        var timestamp = request.Timestamp ?? now;
        _state.State = new CommandState
        {
            Id = command.Id,
            DeviceId = request.DeviceId,
            Command = request.Command,
            ParametersJson = request.ParametersJson,
            TimestampMs = timestamp.ToUnixTimeMilliseconds(),
            CreatedAtMs = now.ToUnixTimeMilliseconds(),
            LastUpdatedMs = now.ToUnixTimeMilliseconds(),
            Lifetime = lifetime,
            Status = CommandStatus.Pending,
            DeviceStatus = request.Status,
            ResultJson = request.ResultJson,
            UserId = request.UserId,
            NetworkId = command.NetworkId,
            DeviceTypeId = command.DeviceTypeId,
            ClientToken = request.ClientToken,
            History = [new StatusChange(CommandStatus.Pending, request.Status, now, "create")],
        };
        // The state and its TTL reminder are written side by side, so group commit can put both in one transaction.
        await Task.WhenAll(
            WriteAsync(),
            RegisterOrUpdateReminder(TtlReminder, timestamp.AddSeconds(lifetime) - now, TimeSpan.Zero));
        var record = State.ToRecord();
        PublishToFeeds(new CommandEvent(CommandEventKind.Inserted, record));
        _logger.LogInformation("Command {CommandId} {Command} for {DeviceId} created, lifetime {Lifetime}s", record.Id, record.Command, record.DeviceId, lifetime);
        return record;
    }

    public Task<CommandRecord?> GetAsync() => Task.FromResult(_state.RecordExists ? State.ToRecord() : null);

    public async Task<CommandRecord> MarkSentAsync()
    {
        EnsureExists();
        if (State.Status == CommandStatus.Pending)
        {
            await ChangeAsync(CommandStatus.Sent, State.DeviceStatus, State.ResultJson, null, "delivery");
        }
        return State.ToRecord();
    }

    public async Task<CommandRecord> UpdateAsync(CommandUpdate update)
    {
        EnsureExists();
        EnsureNotFinal();
        if (update.Status is null)
        {
            await ChangeAsync(State.Status, State.DeviceStatus, update.ResultJson ?? State.ResultJson, update.Reason, update.Source);
            return State.ToRecord();
        }
        var status = CommandStatus.Normalize(update.Status);
        if (CommandStatus.IsReservedForGrid(status))
        {
            throw new InvalidStatusTransitionException($"A device cannot move command {State.Id} to {status}; only the grid sets it.");
        }
        await ChangeAsync(status, update.Status, update.ResultJson ?? State.ResultJson, update.Reason, update.Source);
        return State.ToRecord();
    }

    public async Task<CommandRecord> CancelAsync(string source)
    {
        EnsureExists();
        EnsureNotFinal();
        await ChangeAsync(CommandStatus.Canceled, null, State.ResultJson, null, source);
        return State.ToRecord();
    }

    public Task SubscribeAsync(ICommandObserver observer)
    {
        _observers.Subscribe(observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(ICommandObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != TtlReminder || !_state.RecordExists || CommandStatus.IsFinal(State.Status))
        {
            return;
        }
        _logger.LogInformation("Command {CommandId} timed out (due {DueAt:O}, fired {FiredAt:O})", State.Id, status.DueAt, status.FiredAt);
        await ChangeAsync(CommandStatus.TimedOut, null, State.ResultJson, null, "ttl");
    }

    private async Task ChangeAsync(string status, string? deviceStatus, string? resultJson, StatusReason? reason, string source)
    {
        var now = _clock.GetUtcNow();
        var statusChanged = status != State.Status || deviceStatus != State.DeviceStatus;
        State.Status = status;
        State.DeviceStatus = deviceStatus;
        State.ResultJson = resultJson;
        State.StatusReason = reason ?? State.StatusReason;
        State.LastUpdatedMs = now.ToUnixTimeMilliseconds();
        if (statusChanged)
        {
            State.History.Add(new StatusChange(status, deviceStatus, now, source));
        }
        await WriteAsync();
        var record = State.ToRecord();
        if (record.IsFinal && source != "ttl")
        {
            await UnregisterReminder(TtlReminder);
        }
        _observers.Notify(o => _ = o.CommandChanged(record));
        _ = GrainFactory.GetGrain<IDeviceGrain>(record.DeviceId).CommandChangedAsync(record);
        PublishToFeeds(new CommandEvent(CommandEventKind.Updated, record));
    }

    private async Task WriteAsync()
    {
        try
        {
            await _state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote after this one read: drop this copy so the next call reloads the truth.
            DeactivateOnIdle();
            throw;
        }
    }

    private void PublishToFeeds(CommandEvent commandEvent)
    {
        var record = commandEvent.Command;
        _ = GrainFactory.GetGrain<ICommandFeedGrain>(CommandFeeds.All).PublishAsync(commandEvent);
        if (record.NetworkId is { } network)
        {
            _ = GrainFactory.GetGrain<ICommandFeedGrain>(CommandFeeds.Network(network)).PublishAsync(commandEvent);
        }
        if (record.DeviceTypeId is { } deviceType)
        {
            _ = GrainFactory.GetGrain<ICommandFeedGrain>(CommandFeeds.DeviceType(deviceType)).PublishAsync(commandEvent);
        }
    }

    private void EnsureExists()
    {
        if (!_state.RecordExists)
        {
            throw new CommandNotFoundException($"Command with id = {GetPrimaryKeyLong()} not found");
        }
    }

    private void EnsureNotFinal()
    {
        if (CommandStatus.IsFinal(State.Status))
        {
            throw new CommandFinalException($"Command with id = {State.Id} is already {State.Status} and cannot change");
        }
    }
}
