using CommandGrid.Gateway.Observers;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Commands;

/// <summary>
/// What every door does with fleet jobs, as grain calls: create, read, list, cancel, list executions, wait
/// for the end. Each is retried when a silo could not be reached, and each is safe to repeat: a create under
/// the same id and definition returns the job, a cancel of a canceled job returns it.
/// </summary>
public sealed class JobService(IGrainFactory grains, GridRetry retry, ObserverSubscriptionFactory subscriptions)
{
    private static readonly TimeSpan WaitRenewal = TimeSpan.FromSeconds(30);

    public Task<JobRecord> CreateAsync(string jobId, JobDefinition definition) => retry.RunAsync(() => Job(jobId).CreateAsync(definition));

    public Task<JobRecord?> GetAsync(string jobId) => retry.RunAsync(() => Job(jobId).GetAsync());

    public Task<JobRecord> CancelAsync(string jobId, bool force, string source) => retry.RunAsync(() => Job(jobId).CancelAsync(force, source));

    public Task<JobPage> ListAsync(string? status, string? cursor, int limit) =>
        retry.RunAsync(() => grains.GetGrain<IFleetQueryGrain>(0).ListJobsAsync(status, cursor, limit));

    public Task<CommandPage> ExecutionsAsync(string jobId, string? status, string? cursor, int limit) =>
        retry.RunAsync(() => grains.GetGrain<IFleetQueryGrain>(0).ListCommandsAsync(
            new CommandQuery(Status: status, Descending: false, Cursor: cursor, Limit: limit, JobId: jobId)));

    /// <summary>Returns once the job is final or <paramref name="timeout"/> passes, by watching the job grain.</summary>
    public Task<JobRecord?> WaitForFinalAsync(string jobId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = new FinalJobWaiter();
        var subscription = subscriptions.Create<IJobObserver>($"job {jobId}", waiter,
            reference => Job(jobId).SubscribeAsync(reference),
            reference => Job(jobId).UnsubscribeAsync(reference),
            WaitRenewal);
        return FinalWait.RunAsync(subscription, waiter.Final, () => GetAsync(jobId), j => j.IsFinal, timeout, cancellationToken);
    }

    private IJobGrain Job(string jobId) => grains.GetGrain<IJobGrain>(jobId);

    private sealed class FinalJobWaiter() : FinalSignal<JobRecord>(j => j.IsFinal), IJobObserver
    {
        public Task JobChanged(JobRecord job) => Heard(job);
    }
}
