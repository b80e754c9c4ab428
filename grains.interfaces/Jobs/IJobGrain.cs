namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// One fleet job (key: job id). Durable state and a reminder drive its schedule and rollout; it creates
/// each thing's execution through that thing's device grain under a client token of its own per thing,
/// so a repeat of any step reaches the same execution.
/// </summary>
[Alias("cg.IJobGrain")]
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>Stores the job and starts it (or schedules it); the same definition again returns the job as it is.</summary>
    /// <exception cref="JobConflictException">The id holds a job with another definition.</exception>
    /// <exception cref="GroupNotFoundException">A target group does not exist.</exception>
    /// <exception cref="DeviceNotFoundException">A target thing is not registered.</exception>
    /// <exception cref="CommandValidationException">The definition breaks a rule (no targets, endAt before startAt…).</exception>
    Task<JobRecord> CreateAsync(JobDefinition definition);

    [AlwaysInterleave]
    Task<JobRecord?> GetAsync();

    /// <summary>
    /// CANCELED; every execution not yet delivered is canceled, and with <paramref name="force"/> the delivered
    /// ones not final too. Canceling a job already CANCELED returns it.
    /// </summary>
    /// <exception cref="JobConflictException">The job is COMPLETED or ABORTED.</exception>
    Task<JobRecord> CancelAsync(bool force, string source);

    /// <summary>Told by a command grain of each change of one of the job's executions.</summary>
    [OneWay]
    Task ExecutionChangedAsync(long executionId, string status);

    /// <summary>Told by a static group that a thing joined it (continuous jobs create its execution).</summary>
    [OneWay]
    Task ThingJoinedAsync(string thingId);

    /// <summary>Subscribes or renews a watcher of the job's progress; subscriptions expire unless renewed.</summary>
    Task SubscribeAsync(IJobObserver observer);

    Task UnsubscribeAsync(IJobObserver observer);
}

/// <summary>Told of the job's progress (its counts) and of its status changes.</summary>
[Alias("cg.IJobObserver")]
public interface IJobObserver : IGrainObserver
{
    // One-way: a grain never waits on a gateway connection, and a dead one costs it nothing.
    [OneWay]
    Task JobChanged(JobRecord job);
}
