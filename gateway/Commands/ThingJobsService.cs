using System.Collections.Immutable;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Commands;

/// <summary>A thing's jobs as its device asks for them (<see cref="IThingJobsGrain"/>), as grain calls retried when a silo could not be reached.</summary>
public sealed class ThingJobsService(IGrainFactory grains, GridRetry retry)
{
    public Task<ThingJobExecutions> GetPendingAsync(string thing) => retry.RunAsync(() => Jobs(thing).GetPendingAsync());

    public Task<CommandRecord?> GetNextAsync(string thing) => retry.RunAsync(() => Jobs(thing).GetNextAsync());

    public Task<CommandRecord?> StartNextAsync(string thing, ImmutableDictionary<string, string>? statusDetails, int? stepTimeoutMinutes, string source) =>
        retry.RunAsync(() => Jobs(thing).StartNextAsync(statusDetails, stepTimeoutMinutes, source));

    public Task<CommandRecord?> FindAsync(string thing, string jobId, int? executionNumber) =>
        retry.RunAsync(() => Jobs(thing).FindAsync(jobId, executionNumber));

    public Task<CommandRecord> UpdateAsync(string thing, string jobId, int? executionNumber, CommandUpdate update) =>
        retry.RunAsync(() => Jobs(thing).UpdateAsync(jobId, executionNumber, update));

    private IThingJobsGrain Jobs(string thing) => grains.GetGrain<IThingJobsGrain>(thing);
}
