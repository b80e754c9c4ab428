using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Devices;
using CommandGrid.Grains.Groups;
using CommandGrid.Grains.Jobs;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage.Queries;

namespace CommandGrid.Grains.Queries;

/// <summary>Answers list queries through the storage's query seam; holds no state, so it runs on the caller's silo and calls interleave.</summary>
[GrainType("fleetquery"), StatelessWorker, Reentrant]
public sealed class FleetQueryGrain(IGridQueries queries) : Grain, IFleetQueryGrain
{
    public const int MaxLimit = 1000;

    public async Task<CommandPage> ListCommandsAsync(CommandQuery query)
    {
        var page = await queries.CommandsAsync<CommandState>(query with { Limit = Limit(query.Limit) });
        return new CommandPage([.. page.Items.Select(c => c.ToRecord())], page.NextCursor);
    }

    public async Task<DevicePage> ListDevicesAsync(DeviceQuery query)
    {
        var page = await queries.DevicesAsync<DeviceState>(query.Name, query.NetworkId, query.Cursor, Limit(query.Limit));
        var devices = page.Items.Select(d => d.ToRecord());
        if (query.NamePrefix is { } prefix)
        {
            devices = devices.Where(d => d.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        }
        return new DevicePage([.. devices], page.NextCursor);
    }

    public async Task<ThingGroupPage> ListGroupsAsync(string? cursor, int limit)
    {
        var page = await queries.GroupsAsync<ThingGroupState>(cursor, Limit(limit));
        return new ThingGroupPage([.. page.Items.Select(g => g.ToRecord())], page.NextCursor);
    }

    public async Task<ThingIdPage> ListGroupMembersAsync(string group, string? cursor, int limit)
    {
        var record = await GrainFactory.GetGrain<IThingGroupGrain>(group).GetAsync()
            ?? throw new GroupNotFoundException($"Thing group {group} not found");
        return await GroupMemberPages.ReadAsync(queries, record, cursor, Limit(limit));
    }

    public async Task<JobPage> ListJobsAsync(string? status, string? cursor, int limit)
    {
        var page = await queries.JobsAsync<JobState>(status, cursor, Limit(limit));
        // The stored counts are those of the job's last status change; its grain counts them afresh.
        var jobs = await Task.WhenAll(page.Items.Select(async j => await GrainFactory.GetGrain<IJobGrain>(j.JobId).GetAsync() ?? j.ToRecord(null, null)));
        return new JobPage(jobs, page.NextCursor);
    }

    private static int Limit(int asked) => Math.Clamp(asked, 1, MaxLimit);
}
