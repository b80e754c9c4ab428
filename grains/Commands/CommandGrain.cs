using CommandGrid.Grains.Interfaces;
using CommandGrid.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Core;
using Orleans.Providers;
using Orleans.Storage;
using Orleans.Utilities;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// One execution: PENDING → SENT → progress → one final status, never changing after that.
/// The TTL is due at timestamp + lifetime. While the execution is in memory a grain timer keeps it; when it leaves
/// memory still open, a durable reminder takes over, registered as the activation goes.
/// </summary>
/// <remarks>
/// <para>
/// Nearly every execution is answered while in memory, so it never needs a reminder: registering one at create and
/// removing it at the answer was two reminder-table writes and two reminder-service calls per command, a third of the
/// cluster's storage statements (bench/README.md). An execution held in memory by a silo that died (kill -9, frozen)
/// had no reminder yet: the periodic overdue sweep (<see cref="OverdueCommandSweeper"/>) ends it.
/// </para>
/// <para>
/// Its state is read on first use, not at activation: nearly every activation is a new execution's, whose create has
/// nothing to read. The create inserts without reading; the insert is conditional, so a create repeated for an id
/// already stored (its first attempt's silo died before it answered) is refused by storage, and only then is the
/// stored execution read and returned. Read at activation, the empty read was one round trip of six per command on
/// one node and two statements of seven on PostgreSQL (bench/README.md, the cost breakdown).
/// </para>
/// </remarks>
[GrainType("command")]
// Beside its device grain, which creates it and which it tells of each change: in a cluster of three silos a random
// placement put two in three of them on another silo, and every create and notice between the two across the wire.
[Orleans.Placement.PreferLocalPlacement]
public sealed partial class CommandGrain : Grain, ICommandGrain, IRemindable
{
    internal const string TtlReminder = "ttl";

    private readonly StateStorageBridge<CommandState> _state;
    // Null until this activation read its state or inserted it.
    private bool? _exists;
    private readonly GridOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<CommandGrain> _logger;
    private readonly GridMetrics _metrics;
    private readonly CommandFeedPresence _feedPresence;
    private readonly SiloAddress _silo;
    private readonly ObserverManager<ICommandObserver> _observers;
    private readonly TimeSpan _observerExpiry;
    // False only while no reminder can exist: for an execution this activation inserted, or whose reminder it removed.
    private bool _reminderMayExist = true;
    private IGrainTimer? _ttlTimer;
    // Created for a device with a delivering connection, whose door confirms the delivery (MarkSentAsync) only after
    // it wrote the request, or after the device's MQTT acknowledgement: the device's answer can come first.
    private bool _deliveryUnconfirmed;

    public CommandGrain(
        IGrainContext context,
        [FromKeyedServices(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME)] IGrainStorage storage,
        IOptions<GridOptions> options,
        TimeProvider clock,
        GridMetrics metrics,
        CommandFeedPresence feedPresence,
        ILogger<CommandGrain> logger)
    {
        _feedPresence = feedPresence;
        _silo = context.Address.SiloAddress!;
        _state = new StateStorageBridge<CommandState>("command", context, storage);
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _metrics = metrics;
        _observerExpiry = TimeSpan.FromSeconds(_options.ObserverExpirySeconds);
        _observers = GridObservers.Create<ICommandObserver>(_observerExpiry, logger, clock);
    }

    private CommandState State => _state.State;

    private bool Exists => _exists == true;

    private async ValueTask LoadAsync()
    {
        if (_exists is null)
        {
            await ReadAsync();
        }
    }

    private async Task ReadAsync()
    {
        await _state.ReadStateAsync();
        _exists = _state.RecordExists;
        ArmTtlTimer();
    }

    public async Task<CommandRecord> CreateAsync(NewCommand command)
    {
        if (Exists)
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
        var expiresAt = timestamp.AddSeconds(lifetime);
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
            ExpiresAtMs = expiresAt.ToUnixTimeMilliseconds(),
            Status = CommandStatus.Pending,
            DeviceStatus = request.Status,
            ResultJson = request.ResultJson,
            UserId = request.UserId,
            NetworkId = command.NetworkId,
            DeviceTypeId = command.DeviceTypeId,
            ClientToken = request.ClientToken,
            JobId = request.JobId,
            InProgressTimeoutMinutes = request.InProgressTimeoutMinutes,
            ExecutionNumber = request.ExecutionNumber,
            History = [new StatusChange(CommandStatus.Pending, request.Status, now, "create")],
        };
        if (!await InsertAsync())
        {
            return await StoredBeforeAsync();
        }
        ArmTtlTimer();
        _deliveryUnconfirmed = command.DeviceConnected;
        _metrics.CommandEntered(CommandStatus.Pending);
        if (request.JobId is not null)
        {
            _metrics.JobExecutionCreated();
        }
        var record = State.ToRecord();
        PublishToFeeds(new CommandEvent(CommandEventKind.Inserted, record));
        LogCreated(_logger, record.Id, record.Command, record.DeviceId, lifetime);
        if (!command.DeviceConnected)
        {
            // Nobody will call it before the device connects or the reminder is due, and either brings it back.
            DeactivateOnIdle();
        }
        return record;
    }

    /// <summary>Writes a new execution; false when storage already holds one under this id (then read into this activation).</summary>
    private async Task<bool> InsertAsync()
    {
        if (_exists is not null)
        {
            // Read and found absent: a refusal now means another activation wrote since, as for any write.
            await WriteAsync();
        }
        else
        {
            try
            {
                await _state.WriteStateAsync();
                _reminderMayExist = false;
            }
            catch (InconsistentStateException)
            {
                await ReadAsync();
                if (Exists)
                {
                    return false;
                }
                // Refused, yet nothing is stored: not a repeat, so let the caller's retry begin again on a new activation.
                DeactivateOnIdle();
                throw;
            }
        }
        _exists = true;
        return true;
    }

    /// <summary>
    /// A repeated create found the execution stored by its first attempt, which stands, with the stored expiry: the
    /// read armed its timer if it is open (its first attempt's silo may have died before it registered a reminder).
    /// </summary>
    private async Task<CommandRecord> StoredBeforeAsync()
    {
        if (CommandStatus.IsFinal(State.Status))
        {
            await RetireAsync();
        }
        return State.ToRecord();
    }

    public async Task<CommandRecord?> GetAsync()
    {
        await LoadAsync();
        return Exists ? State.ToRecord() : null;
    }

    public async Task<CommandRecord> MarkSentAsync()
    {
        await LoadAsync();
        EnsureExists();
        _deliveryUnconfirmed = false;
        if (State.Status == CommandStatus.Pending)
        {
            await ChangeAsync(CommandStatus.Sent, State.DeviceStatus, State.ResultJson, null, "delivery");
        }
        else if (CommandStatus.IsFinal(State.Status))
        {
            // The confirmation a final execution stayed for.
            DeactivateOnIdle();
        }
        return State.ToRecord();
    }

    public async Task<CommandRecord> UpdateAsync(CommandUpdate update)
    {
        await LoadAsync();
        EnsureExists();
        if (update.DeviceId is { } device && device != State.DeviceId)
        {
            // Another device's execution is, to this one, an execution that does not exist.
            throw NotFound();
        }
        EnsureNotFinal();
        if (update.ExpectedVersion is { } expected && expected != State.VersionNumber)
        {
            throw new VersionMismatchException($"Execution {State.Id} is at version {State.VersionNumber}, not {expected}");
        }
        if (update.Status is null)
        {
            await ChangeAsync(State.Status, State.DeviceStatus, update.ResultJson ?? State.ResultJson, update.Reason, update.Source, update.StatusDetails, update.StepTimeoutMinutes);
            return State.ToRecord();
        }
        var status = CommandStatus.Normalize(update.Status);
        if (CommandStatus.IsReservedForGrid(status))
        {
            throw new InvalidStatusTransitionException($"A device cannot move command {State.Id} to {status}; only the grid sets it.");
        }
        await ChangeAsync(status, update.Status, update.ResultJson ?? State.ResultJson, update.Reason, update.Source, update.StatusDetails, update.StepTimeoutMinutes);
        return State.ToRecord();
    }

    public async Task<CommandRecord> CancelAsync(string source)
    {
        await LoadAsync();
        EnsureExists();
        EnsureNotFinal();
        await ChangeAsync(CommandStatus.Canceled, null, State.ResultJson, null, source);
        return State.ToRecord();
    }

    public async Task<CommandRecord?> ExpireIfDueAsync()
    {
        await LoadAsync();
        if (!Exists)
        {
            return null;
        }
        await TimeOutIfDueAsync("sweep");
        return State.ToRecord();
    }

    public async Task SubscribeAsync(ICommandObserver observer)
    {
        await LoadAsync();
        if (!Exists || CommandStatus.IsFinal(State.Status))
        {
            return;
        }
        _observers.Subscribe(observer, observer);
        // A watched execution stays in memory for as long as the subscription lives unrenewed.
        DelayDeactivation(_observerExpiry);
    }

    public Task UnsubscribeAsync(ICommandObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != TtlReminder)
        {
            return;
        }
        _reminderMayExist = true;
        await LoadAsync();
        // Ticks repeat every period until the command is final, so one missed or early tick costs at most a period.
        if (Exists && !CommandStatus.IsFinal(State.Status))
        {
            await TimeOutIfDueAsync("reminder");
            return;
        }
        // Final (or never stored): the reminder has no more work.
        await RetireAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _ttlTimer?.Dispose();
        if (!Exists || CommandStatus.IsFinal(State.Status))
        {
            return;
        }
        try
        {
            await this.RegisterOrUpdateReminder(TtlReminder, Max(ExpiresAt - _clock.GetUtcNow(), TimeSpan.Zero), TimeSpan.FromSeconds(_options.TtlReminderPeriodSeconds));
        }
        catch (Exception e)
        {
            // Stored and open without a reminder, as when a silo dies: the periodic overdue sweep ends it.
            LogReminderNotRegistered(_logger, State.Id, e);
        }
    }

    private DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeMilliseconds(State.ExpiresAtMs);

    /// <summary>
    /// The deadline of a started execution without a step timeout: its in-progress timeout from its start, when it has
    /// one (AWS IoT's timeoutConfig), else its TTL, which bounds every other execution.
    /// </summary>
    private long InProgressDeadlineMs() => State.InProgressTimeoutMinutes is { } minutes && State.StartedAtMs is { } started
        ? DateTimeOffset.FromUnixTimeMilliseconds(started).AddMinutes(minutes).ToUnixTimeMilliseconds()
        : State.TtlEndMs();

    /// <summary>Keeps the TTL while the execution is in memory; without it, an open execution would wait for a reminder it does not have.</summary>
    private void ArmTtlTimer()
    {
        if (!Exists || CommandStatus.IsFinal(State.Status))
        {
            return;
        }
        _ttlTimer?.Dispose();
        _ttlTimer = this.RegisterGrainTimer(
            static (grain, _) => grain.TimeOutIfDueAsync("timer"),
            this,
            new GrainTimerCreationOptions(Max(ExpiresAt - _clock.GetUtcNow(), TimeSpan.Zero), Timeout.InfiniteTimeSpan));
    }

    /// <summary>The one place an execution times out, whichever of its timer, its reminder or a sweep comes first.</summary>
    private async Task TimeOutIfDueAsync(string via)
    {
        if (!Exists || CommandStatus.IsFinal(State.Status) || _clock.GetUtcNow().ToUnixTimeMilliseconds() < State.ExpiresAtMs)
        {
            return;
        }
        LogTimedOut(_logger, State.Id, ExpiresAt, via);
        await ChangeAsync(CommandStatus.TimedOut, null, State.ResultJson, null, "ttl");
    }

    private async Task ChangeAsync(
        string status, string? deviceStatus, string? resultJson, StatusReason? reason, string source,
        IReadOnlyDictionary<string, string>? details = null, int? stepTimeoutMinutes = null)
    {
        var now = _clock.GetUtcNow();
        var entered = status != State.Status;
        var statusChanged = entered || deviceStatus != State.DeviceStatus;
        if (!(State.Status == CommandStatus.Pending && status == CommandStatus.Sent))
        {
            // A device reads PENDING and SENT alike (QUEUED): a delivery is no change to it, so an expectedVersion it read stays good.
            State.VersionNumber++;
        }
        var deadline = State.ExpiresAtMs;
        if (status == CommandStatus.InProgress)
        {
            State.StartedAtMs ??= now.ToUnixTimeMilliseconds();
            deadline = stepTimeoutMinutes switch
            {
                > 0 and var minutes => now.AddMinutes(minutes).ToUnixTimeMilliseconds(),
                -1 => InProgressDeadlineMs(),
                // Entering IN_PROGRESS starts the in-progress timeout; a later report keeps the deadline it has.
                _ when entered => InProgressDeadlineMs(),
                _ => State.ExpiresAtMs,
            };
        }
        var rearm = deadline != State.ExpiresAtMs;
        State.ExpiresAtMs = deadline;
        if (details is not null)
        {
            State.StatusDetails = new Dictionary<string, string>(details);
        }
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
        if (rearm)
        {
            ArmTtlTimer();
        }
        if (entered)
        {
            _metrics.CommandEntered(status);
            if (status == CommandStatus.TimedOut)
            {
                _metrics.CommandTimedOut(now.ToUnixTimeMilliseconds(), State.ExpiresAtMs);
            }
        }
        var record = State.ToRecord();
        await _observers.Notify(o => o.CommandChanged(record));
        // One-way and not awaited: the device grain awaits this grain (create, replay), so waiting for it here
        // could close a cycle of two non-reentrant grains; a notice queued behind its turn closes none.
        _ = GrainFactory.GetGrain<IDeviceGrain>(record.DeviceId).CommandChangedAsync(record);
        if (record.JobId is { } jobId)
        {
            // One-way for the same reason: the job grain awaits the creation of its executions, which reaches this grain.
            _ = GrainFactory.GetGrain<IJobGrain>(jobId).ExecutionChangedAsync(record.Id, record.Status);
        }
        PublishToFeeds(new CommandEvent(CommandEventKind.Updated, record));
        if (record.IsFinal)
        {
            // Every subscriber has now been told the last change there will ever be.
            _observers.Clear();
            _ = RetireAsync();
        }
    }

    /// <summary>
    /// A final execution leaves memory at once, unless the door's delivery confirmation is still to come: answered before
    /// it arrived (a quarter of the commands in the cluster under P1), a new activation would read the execution back
    /// only to find it final. It then goes with the confirmation, or when idle for <c>Commands:IdleSeconds</c>.
    /// The answer does not wait for this: a reminder left behind only ticks once more and removes itself.
    /// </summary>
    private async Task RetireAsync()
    {
        _ttlTimer?.Dispose();
        _ttlTimer = null;
        if (_reminderMayExist)
        {
            await ForgetTtlAsync();
        }
        if (!_deliveryUnconfirmed)
        {
            DeactivateOnIdle();
        }
    }

    private async Task ForgetTtlAsync()
    {
        try
        {
            if (await this.GetReminder(TtlReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            _reminderMayExist = false;
        }
        catch (Exception e) when (e is SiloUnavailableException or ObjectDisposedException)
        {
            // The silo is stopping (or its host is already disposed): nothing failed, and the reminder's next tick,
            // wherever it fires, removes it.
            LogReminderLeftAtStop(_logger, this.GetPrimaryKeyLong());
        }
        catch (Exception e)
        {
            LogReminderNotRemoved(_logger, this.GetPrimaryKeyLong(), e);
        }
    }

    private Task WriteAsync() => _state.WriteOrReloadAsync(DeactivateOnIdle);

    private void PublishToFeeds(CommandEvent commandEvent)
    {
        var record = commandEvent.Command;
        PublishToFeed(CommandFeeds.All, commandEvent);
        if (record.NetworkId is { } network)
        {
            PublishToFeed(CommandFeeds.Network(network), commandEvent);
        }
        if (record.DeviceTypeId is { } deviceType)
        {
            PublishToFeed(CommandFeeds.DeviceType(deviceType), commandEvent);
        }
    }

    private void PublishToFeed(string feed, CommandEvent commandEvent)
    {
        if (_feedPresence.MayHaveSubscribers(feed))
        {
            _ = GrainFactory.GetGrain<ICommandFeedGrain>(feed).PublishAsync(commandEvent, _silo);
        }
    }

    private void EnsureExists()
    {
        if (!Exists)
        {
            throw NotFound();
        }
    }

    private CommandNotFoundException NotFound() => new($"Command with id = {this.GetPrimaryKeyLong()} not found");

    private void EnsureNotFinal()
    {
        if (CommandStatus.IsFinal(State.Status))
        {
            throw new CommandFinalException($"Command with id = {State.Id} is already {State.Status} and cannot change");
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {CommandId} {Command} for {DeviceId} created, lifetime {Lifetime}s")]
    private static partial void LogCreated(ILogger logger, long commandId, string command, string deviceId, int lifetime);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {CommandId} timed out (due {DueAt:O}, by its {Via})")]
    private static partial void LogTimedOut(ILogger logger, long commandId, DateTimeOffset dueAt, string via);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The TTL reminder of command {CommandId} was not registered as it left memory; the periodic overdue sweep times it out")]
    private static partial void LogReminderNotRegistered(ILogger logger, long commandId, Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The TTL reminder of command {CommandId} was left to its next tick: the silo is stopping")]
    private static partial void LogReminderLeftAtStop(ILogger logger, long commandId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The TTL reminder of command {CommandId} was not removed; its next tick removes it")]
    private static partial void LogReminderNotRemoved(ILogger logger, long commandId, Exception error);
}
