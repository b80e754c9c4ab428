using System.Collections.Immutable;
using System.Diagnostics;
using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Groups;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Metrics;
using CommandGrid.Storage.Queries;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace CommandGrid.Grains.Jobs;

/// <summary>
/// One fleet job. Its reminder ticks every <see cref="JobOptions.TickSeconds"/>: it starts the job at startAt,
/// releases the rollout budget, ends it at endAt, finishes a cancel sweep and recounts. The fan-out walks the
/// targets a page at a time through the query seam from a durable cursor. Each page leaves out the things that
/// already have an execution of the job (named by an earlier source, found again by a rescan), reserves one block
/// of execution ids and stores itself (<see cref="FanOutPage"/>) before it creates its executions through each thing's
/// device grain; the cursor moves after them. A page repeated after a failure reuses its ids, so a thing gets
/// exactly one execution however often a page is repeated or a silo dies. Counts are the stored executions' (one
/// indexed count by job id), so they are exact whatever was repeated.
/// </summary>
/// <remarks>
/// This grain awaits client-token, device and group grains; the command grains of its executions tell it of
/// changes one-way (<see cref="ExecutionChangedAsync"/>) and groups tell it of joiners one-way, so no cycle of
/// these non-reentrant grains waits on itself. Its own next steps are one-way calls to itself (<see cref="IJobSteps"/>).
/// </remarks>
[GrainType("job")]
public sealed partial class JobGrain : Grain, IJobGrain, IJobSteps, IRemindable
{
    internal const string TickReminder = "job-tick";

    // Between two recounts prompted by results, this many times as long as the last took (see QueueRecount).
    private const int RecountPause = 4;

    // Execution ids reserved at once for the pages to come (ten pages of the default size).
    private const int IdBlock = 5_000;

    private readonly IPersistentState<JobState> _state;
    private readonly IGridQueries _queries;
    private readonly JobOptions _options;
    private readonly TimeProvider _clock;
    private readonly GridMetrics _metrics;
    private readonly ILogger<JobGrain> _logger;
    private readonly ObserverManager<IJobObserver> _observers;
    private readonly RolloutBudget _budget;
    private readonly Dictionary<string, ThingGroupRecord> _groups = [];
    private IReadOnlyDictionary<string, long> _counts = ImmutableDictionary<string, long>.Empty;
    private bool _recountQueued;
    private bool _retryQueued;
    private bool _continueQueued;
    // Real time, not the grid's clock: it paces the CPU a recount costs, which is no part of the job's schedule.
    private long _recountEndedAt;
    private TimeSpan _recountTook;
    private long _nextId;
    private int _idsLeft;

    public JobGrain(
        [PersistentState("job")] IPersistentState<JobState> state,
        IGridQueries queries,
        IOptions<JobOptions> options,
        IOptions<GridOptions> grid,
        TimeProvider clock,
        GridMetrics metrics,
        ILogger<JobGrain> logger)
    {
        _state = state;
        _queries = queries;
        _options = options.Value;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        _observers = GridObservers.Create<IJobObserver>(TimeSpan.FromSeconds(grid.Value.ObserverExpirySeconds), logger, clock);
        _budget = new RolloutBudget(TimeSpan.FromSeconds(_options.TickSeconds));
    }

    private JobState State => _state.State;

    private string JobId => this.GetPrimaryKeyString();

    private DateTimeOffset Now => _clock.GetUtcNow();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_state.RecordExists)
        {
            _counts = await CountAsync(cancellationToken);
        }
    }

    public async Task<JobRecord> CreateAsync(JobDefinition definition)
    {
        if (_state.RecordExists)
        {
            return State.Definition.Fingerprint == definition.Fingerprint
                ? Describe()
                : throw new JobConflictException($"Job {JobId} already exists with a different definition");
        }
        await ValidateAsync(definition);
        var now = Now;
        _state.State = new JobState
        {
            JobId = JobId,
            Definition = definition,
            Status = JobStatus.Scheduled,
            CreatedAtMs = now.ToUnixTimeMilliseconds(),
        };
        // The reminder before the state: a crash between the two leaves a tick that finds no job and stops.
        await this.RegisterOrUpdateReminder(TickReminder, Tick, Tick);
        await WriteAsync();
        _metrics.JobEntered(JobStatus.Scheduled);
        if (definition.Continuous)
        {
            await Task.WhenAll((await StaticGroupsAsync()).Select(g => GrainFactory.GetGrain<IThingGroupGrain>(g).WatchAsync(JobId)));
        }
        await StartIfDueAsync();
        return Describe();
    }

    public Task<JobRecord?> GetAsync() => Task.FromResult(_state.RecordExists ? Describe() : null);

    public async Task<JobRecord> CancelAsync(bool force, string source)
    {
        EnsureExists();
        if (State.Status == JobStatus.Canceled)
        {
            return Describe();
        }
        if (State.IsFinal())
        {
            throw new JobConflictException($"Job {JobId} is already {State.Status} and cannot change");
        }
        State.AbortReason = $"canceled by {source}{(force ? " (force)" : "")}";
        await FinishAsync(JobStatus.Canceled, force ? [.. CommandStatus.Open] : [CommandStatus.Pending]);
        LogCanceled(_logger, JobId, source, force);
        await SweepAsync();
        _counts = await CountAsync();
        return Describe();
    }

    public Task ExecutionChangedAsync(long executionId, string status)
    {
        if (_state.RecordExists && State.Definition.RetriesAfter(status) > 0)
        {
            QueueRetry();
        }
        QueueRecount();
        return Task.CompletedTask;
    }

    public async Task RetryAsync()
    {
        _retryQueued = false;
        if (await RetryFailedAsync() > 0)
        {
            QueueRecount();
        }
    }

    /// <summary>
    /// Gives each thing whose execution failed (or timed out) with retries left its next execution, a page per failure
    /// status from where the last look ended; returns how many it made. A retry is created through a client token of
    /// the job's own for that thing and number, so a look repeated after a failure reaches the same execution; the
    /// cursor and the count of retried executions move in one write after the page's retries exist. The tick looks
    /// too, so a retry is never lost with a one-way notice, and the job completes only once the look found nothing.
    /// </summary>
    private async Task<int> RetryFailedAsync(bool untilCaughtUp = false)
    {
        var definition = State.Definition;
        if (!_state.RecordExists || State.Status != JobStatus.InProgress || State.Ended || definition.Retry.IsDefaultOrEmpty)
        {
            return 0;
        }
        var made = 0;
        foreach (var status in RetryCriterion.Retried.Where(s => definition.RetriesAfter(s) > 0))
        {
            made += await RetryPageAsync(status, untilCaughtUp);
        }
        return made;
    }

    private async Task<int> RetryPageAsync(string status, bool untilCaughtUp)
    {
        var definition = State.Definition;
        var made = 0;
        while (true)
        {
            var page = await _queries.CommandsAsync<CommandState>(new CommandQuery(
                Status: status, Descending: false, Cursor: State.RetryCursors.GetValueOrDefault(status), Limit: _options.PageSize, JobId: JobId));
            if (page.Items.Count == 0)
            {
                return made;
            }
            var due = page.Items.Where(e => e.ExecutionNumber <= definition.RetriesAfter(status)).ToList();
            var retried = 0;
            await Parallel.ForEachAsync(due, Parallelism(), async (failed, _) =>
            {
                if (await CreateRetryAsync(failed))
                {
                    Interlocked.Increment(ref retried);
                }
            });
            State.RetryCursors[status] = page.EndCursor!;
            State.Retried[status] = State.Retried.GetValueOrDefault(status) + retried;
            await WriteAsync();
            made += retried;
            if (page.NextCursor is null)
            {
                return made;
            }
            if (!untilCaughtUp)
            {
                // The next page in a turn of its own, after whatever queued meanwhile.
                QueueRetry();
                return made;
            }
        }
    }

    private async Task<bool> CreateRetryAsync(CommandState failed)
    {
        var number = failed.ExecutionNumber + 1;
        var request = ExecutionRequest(failed.DeviceId, number);
        try
        {
            // The key is the job's own (no user's token starts with "job-retry:"): one execution per thing and number.
            await GrainFactory.GetGrain<IClientTokenGrain>($"job-retry:{JobId}:{failed.DeviceId}:{number}").CreateOnceAsync(request);
            LogRetried(_logger, JobId, failed.DeviceId, number, failed.Status);
            return true;
        }
        catch (Exception e) when (e is CommandValidationException or DeviceNotFoundException)
        {
            // A thing blocked or unregistered since keeps its failed execution as its last.
            LogSkipped(_logger, JobId, failed.DeviceId, e.Message);
            return false;
        }
    }

    /// <summary>The job's executions per status, each thing counted once: an execution followed by a retry is left out.</summary>
    private async Task<IReadOnlyDictionary<string, long>> CountAsync(CancellationToken cancellationToken = default)
    {
        var stored = await _queries.JobExecutionCountsAsync(JobId, cancellationToken);
        if (State.Retried.Count == 0)
        {
            return stored;
        }
        return stored.Select(c => KeyValuePair.Create(c.Key, c.Value - State.Retried.GetValueOrDefault(c.Key)))
            .Where(c => c.Value > 0).ToImmutableDictionary();
    }

    public async Task ThingJoinedAsync(string thingId)
    {
        if (_state.RecordExists && State.Definition.Continuous && State.Status == JobStatus.InProgress && !State.Ended)
        {
            await FinishPageAsync();
            if (await StartPageAsync([thingId], nextCursor: null, movesCursor: false) > 0)
            {
                State.Targeted++;
                await FinishPageAsync();
                QueueRecount();
            }
        }
    }

    public Task SubscribeAsync(IJobObserver observer)
    {
        if (_state.RecordExists && !State.IsFinal())
        {
            _observers.Subscribe(observer, observer);
        }
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IJobObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != TickReminder)
        {
            return;
        }
        if (!_state.RecordExists)
        {
            await RetireAsync();
            return;
        }
        await StartIfDueAsync();
        if (State.Status == JobStatus.InProgress && !State.Ended && State.Definition.Schedule?.EndAt is { } endAt && Now >= endAt)
        {
            // endAt: no more executions; those not delivered are canceled; the job completes once the rest are final.
            State.Ended = true;
            State.CancelStatuses = [CommandStatus.Pending];
            await WriteAsync();
            LogEnded(_logger, JobId, endAt);
        }
        await SweepAsync();
        // The page in a turn of its own: a tick that waited for hundreds of creations would be late to its reminder.
        QueueContinue();
        await RetryFailedAsync();
        await RecountAsync();
    }

    public async Task ContinueAsync()
    {
        _continueQueued = false;
        if (!_state.RecordExists || State.Status != JobStatus.InProgress || State.Ended)
        {
            return;
        }
        // A page a failure interrupted comes first, with the ids it reserved.
        await FinishPageAsync();
        if (State.FannedOut)
        {
            if (!State.Definition.Continuous || State.RescanAtMs > Now.ToUnixTimeMilliseconds())
            {
                return;
            }
            // A continuous job walks its targets again for things that joined a dynamic group; the repeats are no-ops.
            (State.FannedOut, State.SourceIndex, State.SourceCursor) = (false, 0, null);
        }
        var rate = RolloutBudget.RatePerMinute(State.Definition.Rollout, _counts, _options.MaxRatePerMinute);
        var allowed = rate is { } perMinute ? _budget.Accrue(perMinute, Now) : _options.PageSize;
        if (rate is { } recorded)
        {
            _metrics.RolloutRate(recorded);
        }
        if (allowed <= 0)
        {
            return;
        }
        var walked = await NextPageAsync(Math.Min(allowed, _options.PageSize));
        _budget.Spend(walked);
        QueueRecount();
        if (!State.FannedOut && (rate is null || walked == _options.PageSize))
        {
            // More is allowed now: the next page in a turn of its own, after whatever queued meanwhile. Its write
            // stores this page's cursor with it.
            QueueContinue();
            return;
        }
        await WriteAsync();
    }

    public async Task RecountAsync()
    {
        _recountQueued = false;
        if (!_state.RecordExists)
        {
            return;
        }
        var started = Stopwatch.GetTimestamp();
        _counts = await CountAsync();
        (_recountEndedAt, _recountTook) = (Stopwatch.GetTimestamp(), Stopwatch.GetElapsedTime(started));
        if (State.Status == JobStatus.InProgress)
        {
            if (AbortCheck.Fired(State.Definition.Abort, _counts) is { } fired)
            {
                State.AbortRule = fired.Rule;
                State.AbortReason = fired.Reason;
                await FinishAsync(JobStatus.Aborted, [CommandStatus.Pending]);
                LogAborted(_logger, JobId, fired.Rule.FailureType, fired.Rule.ThresholdPercent, fired.Rule.MinExecutedThings, fired.Reason);
                await SweepAsync();
                _counts = await CountAsync();
            }
            else if (MayComplete() && await NothingLeftToRetryAsync())
            {
                await FinishAsync(JobStatus.Completed, []);
                LogCompleted(_logger, JobId, _counts.Values.Sum(), string.Join(", ", _counts.Select(c => $"{c.Key}={c.Value}")));
            }
        }
        var record = Describe();
        await _observers.Notify(o => o.JobChanged(record));
        if (record.IsFinal && State.CancelStatuses.Count == 0)
        {
            // Every watcher has been told the end; the counts of a final job are read afresh whenever it is read.
            _observers.Clear();
            await RetireAsync();
        }
    }

    private async Task StartIfDueAsync()
    {
        if (State.Status != JobStatus.Scheduled || State.Definition.Schedule?.StartAt > Now)
        {
            return;
        }
        State.Targeted = await CountTargetsAsync();
        State.Status = JobStatus.InProgress;
        State.StartedAtMs = Now.ToUnixTimeMilliseconds();
        await WriteAsync();
        _metrics.JobEntered(JobStatus.InProgress);
        LogStarted(_logger, JobId, State.Definition.Action, State.Targeted,
            RolloutBudget.RatePerMinute(State.Definition.Rollout, _counts, _options.MaxRatePerMinute));
        QueueContinue();
    }

    private async Task FinishAsync(string status, IReadOnlyList<string> cancel)
    {
        State.Status = status;
        State.CompletedAtMs = Now.ToUnixTimeMilliseconds();
        State.CancelStatuses = [.. cancel];
        // A page not yet created stays uncreated: the job makes no more executions.
        State.Page = null;
        State.Counts = new Dictionary<string, long>(_counts);
        await WriteAsync();
        _metrics.JobEntered(status);
        if (State.Definition.Continuous)
        {
            await Task.WhenAll((await StaticGroupsAsync()).Select(g => GrainFactory.GetGrain<IThingGroupGrain>(g).UnwatchAsync(JobId)));
        }
    }

    /// <summary>Cancels the job's executions still in the statuses to cancel, page by page, until none is left.</summary>
    private async Task SweepAsync()
    {
        if (State.CancelStatuses.Count == 0)
        {
            return;
        }
        foreach (var status in State.CancelStatuses)
        {
            while (true)
            {
                // Always the first page: the executions canceled leave the status, so the next page is the new first.
                var page = await _queries.CommandsAsync<CommandState>(new CommandQuery(Status: status, Descending: false, Limit: _options.PageSize, JobId: JobId));
                if (page.Items.Count == 0)
                {
                    break;
                }
                await Parallel.ForEachAsync(page.Items, Parallelism(), async (execution, _) =>
                {
                    try
                    {
                        await GrainFactory.GetGrain<ICommandGrain>(execution.Id).CancelAsync($"job:{JobId}");
                    }
                    catch (CommandFinalException)
                    {
                        // It ended meanwhile (delivered and answered, or timed out): nothing to cancel.
                    }
                });
            }
        }
        State.CancelStatuses = [];
        await WriteAsync();
        QueueRecount();
    }

    /// <summary>Walks up to <paramref name="limit"/> targets from the cursor and creates their page; returns how many were walked.</summary>
    private async Task<int> NextPageAsync(int limit)
    {
        var definition = State.Definition;
        IReadOnlyList<string> things;
        string? next;
        if (State.SourceIndex == 0)
        {
            var start = int.Parse(State.SourceCursor ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var ids = definition.Targets.ThingIds.IsDefault ? [] : definition.Targets.ThingIds;
            things = [.. ids.Skip(start).Take(limit)];
            next = start + things.Count < ids.Length ? (start + things.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        else
        {
            var group = await GroupAsync(definition.Targets.Groups[State.SourceIndex - 1]);
            var page = group is null ? new ThingIdPage([], null) : await GroupMemberPages.ReadAsync(_queries, group, State.SourceCursor, limit);
            (things, next) = (page.ThingIds, page.NextCursor);
        }
        await StartPageAsync(things, next, movesCursor: true);
        // The cursor's move is written with the next page (or at the end of the turn): until then a restart repeats
        // this page, whose executions it finds.
        await FinishPageAsync(write: false);
        return things.Count;
    }

    /// <summary>
    /// Stores the page of those of <paramref name="thingIds"/> that have no execution of the job yet, with a block of ids
    /// reserved for them; returns how many it holds.
    /// </summary>
    private async Task<int> StartPageAsync(IReadOnlyList<string> thingIds, string? nextCursor, bool movesCursor)
    {
        var distinct = thingIds.Distinct(StringComparer.Ordinal).ToList();
        IReadOnlySet<string> done = distinct.Count == 0 ? new HashSet<string>() : await _queries.ThingsWithJobExecutionAsync(JobId, distinct);
        var fresh = distinct.Where(t => !done.Contains(t)).ToList();
        if (fresh.Count == 0)
        {
            // Nothing to create: only the cursor moves, with the one write that clears the page.
            State.Page = movesCursor ? new FanOutPage { NextCursor = nextCursor, MovesCursor = true } : null;
            return 0;
        }
        State.Page = new FanOutPage { ThingIds = fresh, FirstId = await ReserveIdsAsync(fresh.Count), NextCursor = nextCursor, MovesCursor = movesCursor };
        await WriteAsync();
        return fresh.Count;
    }

    /// <summary>Creates the stored page's executions (again, if it was interrupted: those made before are found), then clears it and moves the cursor.</summary>
    private async Task FinishPageAsync(bool write = true)
    {
        if (State.Page is not { } page)
        {
            return;
        }
        await CreateExecutionsAsync(page);
        if (page.MovesCursor)
        {
            Advance(page.NextCursor);
        }
        State.Page = null;
        if (write)
        {
            await WriteAsync();
        }
    }

    /// <summary>
    /// The first of <paramref name="count"/> consecutive execution ids, from a block this activation reserved: one
    /// reservation (a durable write) serves many pages. Ids of a block left when the activation ends are never used.
    /// </summary>
    private async Task<long> ReserveIdsAsync(int count)
    {
        if (_idsLeft < count)
        {
            var block = await GrainFactory.GetGrain<ICommandIdGrain>(0).ReserveAsync(Math.Max(count, IdBlock));
            (_nextId, _idsLeft) = (block.First, block.Count);
        }
        var first = _nextId;
        (_nextId, _idsLeft) = (_nextId + count, _idsLeft - count);
        return first;
    }

    private void Advance(string? nextCursor)
    {
        if (nextCursor is not null)
        {
            State.SourceCursor = nextCursor;
            return;
        }
        State.SourceCursor = null;
        State.SourceIndex++;
        var groups = State.Definition.Targets.Groups.IsDefault ? 0 : State.Definition.Targets.Groups.Length;
        if (State.SourceIndex > groups)
        {
            State.FannedOut = true;
            State.RescanAtMs = Now.AddSeconds(_options.ContinuousRescanSeconds).ToUnixTimeMilliseconds();
        }
    }

    private async Task CreateExecutionsAsync(FanOutPage page)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, page.ThingIds.Count), Parallelism(), async (i, _) =>
        {
            var thingId = page.ThingIds[i];
            var request = ExecutionRequest(thingId, executionNumber: 1);
            try
            {
                await GrainFactory.GetGrain<IDeviceGrain>(thingId).CreateCommandAsync(request, page.FirstId + i);
            }
            catch (Exception e) when (e is CommandValidationException or DeviceNotFoundException)
            {
                // A blocked thing (or one unregistered since) gets no execution; the job goes on with the others.
                LogSkipped(_logger, JobId, thingId, e.Message);
            }
        });
    }

    private async Task<long> CountTargetsAsync()
    {
        var targets = State.Definition.Targets;
        if (targets.ThingIds.IsDefaultOrEmpty && !targets.Groups.IsDefault && targets.Groups.Length == 1
            && await GroupAsync(targets.Groups[0]) is { } single && await _queries.GroupSizeAsync(single) is { } size)
        {
            // One group and nothing else: its count is the number of distinct things, without reading them.
            return size;
        }
        var things = new HashSet<string>(State.Definition.Targets.ThingIds.IsDefault ? [] : State.Definition.Targets.ThingIds, StringComparer.Ordinal);
        foreach (var name in State.Definition.Targets.Groups.IsDefault ? [] : State.Definition.Targets.Groups)
        {
            if (await GroupAsync(name) is not { } group)
            {
                continue;
            }
            string? cursor = null;
            do
            {
                var page = await GroupMemberPages.ReadAsync(_queries, group, cursor, _options.PageSize);
                things.UnionWith(page.ThingIds);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
        }
        return things.Count;
    }

    private async Task ValidateAsync(JobDefinition definition)
    {
        if (definition.Targets.IsEmpty)
        {
            throw new CommandValidationException("targets must name at least one thing or group");
        }
        if (definition.Schedule is { StartAt: { } start, EndAt: { } end } && end <= start)
        {
            throw new CommandValidationException("schedule.endAt must be after schedule.startAt");
        }
        if (definition.Schedule?.EndAt is { } endAt && endAt <= Now)
        {
            throw new CommandValidationException("schedule.endAt is in the past");
        }
        foreach (var name in definition.Targets.Groups.IsDefault ? [] : definition.Targets.Groups)
        {
            _ = await GroupAsync(name) ?? throw new GroupNotFoundException($"Thing group {name} not found");
        }
        foreach (var thingId in definition.Targets.ThingIds.IsDefault ? [] : definition.Targets.ThingIds)
        {
            _ = await GrainFactory.GetGrain<IDeviceGrain>(thingId).GetAsync() ?? throw new DeviceNotFoundException($"Thing {thingId} is not registered");
        }
    }

    private async Task<ThingGroupRecord?> GroupAsync(string name)
    {
        if (!_groups.TryGetValue(name, out var group) && await GrainFactory.GetGrain<IThingGroupGrain>(name).GetAsync() is { } found)
        {
            _groups[name] = group = found;
        }
        return group;
    }

    // The groups a continuous job is told of joiners by: the static ones (a dynamic group's joiners are found by rescans).
    private async Task<IReadOnlyList<string>> StaticGroupsAsync()
    {
        var names = new List<string>();
        foreach (var name in State.Definition.Targets.Groups.IsDefault ? [] : State.Definition.Targets.Groups)
        {
            if (await GroupAsync(name) is { IsDynamic: false })
            {
                names.Add(name);
            }
        }
        return names;
    }

    /// <summary>The request for one thing's execution of this job: its first, or a retry's.</summary>
    private CreateCommandRequest ExecutionRequest(string thingId, int executionNumber)
    {
        var definition = State.Definition;
        return new CreateCommandRequest(thingId, definition.Action, definition.ParametersJson, null, definition.Lifetime,
            null, null, definition.UserId, Fingerprint: definition.Fingerprint, JobId: JobId,
            InProgressTimeoutMinutes: definition.InProgressTimeoutMinutes, ExecutionNumber: executionNumber);
    }

    private long OpenCount() => CommandStatus.Open.Sum(s => _counts.TryGetValue(s, out var n) ? n : 0);

    // Every target has its execution and each is final (a failure not yet looked at for a retry aside).
    private bool MayComplete() =>
        (State.Ended || (State.FannedOut && !State.Definition.Continuous)) && State.CancelStatuses.Count == 0 && OpenCount() == 0;

    /// <summary>Before the job completes, a last look for failures to retry; the retries it makes are open executions.</summary>
    private async Task<bool> NothingLeftToRetryAsync()
    {
        if (await RetryFailedAsync(untilCaughtUp: true) == 0)
        {
            return true;
        }
        _counts = await CountAsync();
        return MayComplete();
    }

    private JobRecord Describe() => State.ToRecord(_counts,
        State.Status == JobStatus.InProgress ? RolloutBudget.RatePerMinute(State.Definition.Rollout, _counts, _options.MaxRatePerMinute) : null);

    private TimeSpan Tick => TimeSpan.FromSeconds(_options.TickSeconds);

    private ParallelOptions Parallelism() => new() { MaxDegreeOfParallelism = _options.CreateConcurrency, TaskScheduler = TaskScheduler.Current };

    private void QueueRecount()
    {
        if (_recountQueued)
        {
            return;
        }
        _recountQueued = true;
        // A burst of results costs a recount each; with a large job each counts many rows, so between two the grain
        // waits RecountPause times as long as the last took: counting then takes a bounded share of a core.
        var wait = _recountTook * RecountPause - Stopwatch.GetElapsedTime(_recountEndedAt);
        if (wait <= TimeSpan.Zero)
        {
            _ = this.AsReference<IJobSteps>().RecountAsync();
            return;
        }
        _ = RecountLaterAsync(wait);
    }

    private async Task RecountLaterAsync(TimeSpan wait)
    {
        await Task.Delay(wait);
        await this.AsReference<IJobSteps>().RecountAsync();
    }

    private void QueueRetry()
    {
        if (!_retryQueued)
        {
            _retryQueued = true;
            _ = this.AsReference<IJobSteps>().RetryAsync();
        }
    }

    private void QueueContinue()
    {
        if (!_continueQueued)
        {
            _continueQueued = true;
            _ = this.AsReference<IJobSteps>().ContinueAsync();
        }
    }

    private async Task RetireAsync()
    {
        if (await this.GetReminder(TickReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        DeactivateOnIdle();
    }

    private void EnsureExists()
    {
        if (!_state.RecordExists)
        {
            throw new JobNotFoundException($"Job {JobId} not found");
        }
    }

    private Task WriteAsync() => _state.WriteOrReloadAsync(DeactivateOnIdle);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} started: {Action} for {Targeted} things, rate {RatePerMinute} per minute")]
    private static partial void LogStarted(ILogger logger, string jobId, string action, long targeted, double? ratePerMinute);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} aborted by rule {FailureType} at {ThresholdPercent}% after {MinExecutedThings}: {Reason}")]
    private static partial void LogAborted(ILogger logger, string jobId, string failureType, double thresholdPercent, int minExecutedThings, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} completed: {Executions} executions ({Counts})")]
    private static partial void LogCompleted(ILogger logger, string jobId, long executions, string counts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} canceled by {Source} (force: {Force})")]
    private static partial void LogCanceled(ILogger logger, string jobId, string source, bool force);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} reached its endAt {EndAt:O}: no more executions")]
    private static partial void LogEnded(ILogger logger, string jobId, DateTimeOffset endAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} retries thing {ThingId}: execution {ExecutionNumber} after {Status}")]
    private static partial void LogRetried(ILogger logger, string jobId, string thingId, int executionNumber, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId} skipped thing {ThingId}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string jobId, string thingId, string reason);
}
