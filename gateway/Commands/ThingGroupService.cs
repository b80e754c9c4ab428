using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Commands;

/// <summary>What every door does with thing groups, as grain calls, each retried when a silo could not be reached and each safe to repeat.</summary>
public sealed class ThingGroupService(IGrainFactory grains, GridRetry retry)
{
    public Task<ThingGroupRecord?> GetAsync(string group) => retry.RunAsync(() => Group(group).GetAsync());

    public Task<ThingGroupRecord> SaveAsync(string group, ThingGroupDefinition definition) => retry.RunAsync(() => Group(group).SaveAsync(definition));

    public Task<bool> AddThingAsync(string group, string thingId) => retry.RunAsync(async () =>
    {
        await Group(group).AddThingAsync(thingId);
        return true;
    });

    public Task<bool> RemoveThingAsync(string group, string thingId) => retry.RunAsync(async () =>
    {
        await Group(group).RemoveThingAsync(thingId);
        return true;
    });

    public Task<ThingGroupPage> ListAsync(string? cursor, int limit) => retry.RunAsync(() => Queries.ListGroupsAsync(cursor, limit));

    public Task<ThingIdPage> MembersAsync(string group, string? cursor, int limit) => retry.RunAsync(() => Queries.ListGroupMembersAsync(group, cursor, limit));

    private IThingGroupGrain Group(string name) => grains.GetGrain<IThingGroupGrain>(name);

    private IFleetQueryGrain Queries => grains.GetGrain<IFleetQueryGrain>(0);
}
