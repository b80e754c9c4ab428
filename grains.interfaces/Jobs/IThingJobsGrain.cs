using System.Collections.Immutable;

namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// The jobs of one thing as its device sees them (AWS IoT Jobs' device API; key: thing id): its executions of fleet
/// jobs that are not final, the next one, one job's execution, and the device's own moves of them. The executions stay
/// the grid's one execution each (<see cref="ICommandGrain"/>); this only finds them for the thing.
/// </summary>
[Alias("cg.IThingJobsGrain")]
public interface IThingJobsGrain : IGrainWithStringKey
{
    /// <summary>The thing's job executions not final: IN_PROGRESS ones, then QUEUED ones (PENDING or SENT), each oldest first.</summary>
    Task<ThingJobExecutions> GetPendingAsync();

    /// <summary>The execution a device works on next: the oldest IN_PROGRESS one, else the oldest QUEUED one; null when none.</summary>
    Task<CommandRecord?> GetNextAsync();

    /// <summary>
    /// The next execution, moved to IN_PROGRESS with <paramref name="statusDetails"/> and a step timeout if it was QUEUED
    /// (one already IN_PROGRESS is returned as it is); null when the thing has none.
    /// </summary>
    Task<CommandRecord?> StartNextAsync(ImmutableDictionary<string, string>? statusDetails, int? stepTimeoutMinutes, string source);

    /// <summary>The thing's execution of the job: the one of <paramref name="executionNumber"/>, else the latest; null when none.</summary>
    Task<CommandRecord?> FindAsync(string jobId, int? executionNumber);

    /// <summary>Applies the device's update to its execution of the job (as <see cref="FindAsync"/> finds it).</summary>
    /// <exception cref="CommandNotFoundException">The thing has no such execution.</exception>
    /// <exception cref="CommandFinalException">The execution is final.</exception>
    /// <exception cref="VersionMismatchException">The update expected another version.</exception>
    Task<CommandRecord> UpdateAsync(string jobId, int? executionNumber, CommandUpdate update);
}

/// <summary>A thing's pending job executions, as AWS IoT Jobs' GetPendingJobExecutions lists them.</summary>
[GenerateSerializer, Immutable, Alias("cg.ThingJobExecutions")]
public sealed record ThingJobExecutions(ImmutableArray<CommandRecord> InProgress, ImmutableArray<CommandRecord> Queued)
{
    /// <summary>Every one, in the order a device works on them: the IN_PROGRESS ones, then the QUEUED ones.</summary>
    public IEnumerable<CommandRecord> InOrder => InProgress.Concat(Queued);

    /// <summary>The one a device works on next (<see cref="IThingJobsGrain.GetNextAsync"/>); null when none is pending.</summary>
    public CommandRecord? Next => InOrder.FirstOrDefault();
}
