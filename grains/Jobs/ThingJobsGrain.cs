using System.Collections.Immutable;
using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage.Queries;

namespace CommandGrid.Grains.Jobs;

/// <summary>
/// Finds a thing's job executions through the query seam and moves them through their own command grains. It holds
/// no state (each answer is read from storage, where every acknowledged change already is), so it runs beside its
/// caller and its calls interleave; two devices' requests for one thing racing to start the same execution are settled
/// by that execution's grain.
/// </summary>
[GrainType("thingjobs"), StatelessWorker, Reentrant]
public sealed class ThingJobsGrain(IGridQueries queries) : Grain, IThingJobsGrain
{
    /// <summary>The most executions one list holds (in progress, and queued), AWS IoT's page of pending executions.</summary>
    public const int MaxListed = 100;

    // A job gives a thing one execution and at most ten retries.
    private const int MaxExecutionsPerJob = 11;

    // A start that lost its execution to another change (it ended meanwhile) tries the next one, this many times.
    private const int StartAttempts = 3;

    private string ThingId => this.GetPrimaryKeyString();

    public async Task<ThingJobExecutions> GetPendingAsync()
    {
        var inProgress = await ListAsync([CommandStatus.InProgress]);
        var queued = await ListAsync([CommandStatus.Pending, CommandStatus.Sent]);
        return new ThingJobExecutions(inProgress, queued);
    }

    public async Task<CommandRecord?> GetNextAsync()
    {
        var inProgress = await ListAsync([CommandStatus.InProgress], limit: 1);
        return inProgress.Length > 0 ? inProgress[0] : (await ListAsync([CommandStatus.Pending, CommandStatus.Sent], limit: 1)).FirstOrDefault();
    }

    public async Task<CommandRecord?> StartNextAsync(ImmutableDictionary<string, string>? statusDetails, int? stepTimeoutMinutes, string source)
    {
        for (var attempt = 0; attempt < StartAttempts; attempt++)
        {
            var next = await GetNextAsync();
            if (next is null || next.Status == CommandStatus.InProgress)
            {
                return next;
            }
            try
            {
                return await Command(next.Id).UpdateAsync(new CommandUpdate(CommandStatus.InProgress, null, null, source, ThingId, statusDetails, StepTimeoutMinutes: stepTimeoutMinutes));
            }
            catch (CommandFinalException)
            {
                // Canceled or timed out since it was read: the next one is the next.
            }
        }
        return await GetNextAsync();
    }

    public async Task<CommandRecord?> FindAsync(string jobId, int? executionNumber) =>
        await FindIdAsync(jobId, executionNumber) is { } id ? await Command(id).GetAsync() : null;

    public async Task<CommandRecord> UpdateAsync(string jobId, int? executionNumber, CommandUpdate update)
    {
        var id = await FindIdAsync(jobId, executionNumber)
            ?? throw new CommandNotFoundException($"Thing {ThingId} has no execution of job {jobId}{(executionNumber is { } n ? $" numbered {n}" : "")}");
        return await Command(id).UpdateAsync(update with { DeviceId = ThingId });
    }

    private async Task<long?> FindIdAsync(string jobId, int? executionNumber)
    {
        var page = await queries.CommandsAsync<CommandState>(new CommandQuery(DeviceId: ThingId, JobId: jobId, Descending: true, Limit: MaxExecutionsPerJob));
        var found = executionNumber is { } number ? page.Items.FirstOrDefault(c => c.ExecutionNumber == number) : page.Items.FirstOrDefault();
        return found?.Id;
    }

    private async Task<ImmutableArray<CommandRecord>> ListAsync(IReadOnlyList<string> statuses, int limit = MaxListed) =>
        [.. (await queries.ThingJobExecutionsAsync<CommandState>(ThingId, statuses, limit)).Select(c => c.ToRecord())];

    private ICommandGrain Command(long id) => GrainFactory.GetGrain<ICommandGrain>(id);
}
