namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// One thing group (key: its name). A static group's members are rows of their own (one
/// <see cref="IGroupMemberGrain"/> each), so a group of any size is paged from storage; a dynamic group
/// has none stored: its members are the things its query matches when asked.
/// </summary>
[Alias("cg.IThingGroupGrain")]
public interface IThingGroupGrain : IGrainWithStringKey
{
    Task<ThingGroupRecord?> GetAsync();

    /// <exception cref="CommandValidationException">The update would turn a static group dynamic or back.</exception>
    Task<ThingGroupRecord> SaveAsync(ThingGroupDefinition definition);

    /// <summary>Adds a registered thing to a static group (again: nothing changes) and tells the group's continuous jobs.</summary>
    /// <exception cref="GroupNotFoundException">No such group.</exception>
    /// <exception cref="DeviceNotFoundException">No such thing.</exception>
    /// <exception cref="CommandValidationException">The group is dynamic.</exception>
    Task AddThingAsync(string thingId);

    /// <summary>Removes a thing from a static group; removing a thing that is not a member does nothing.</summary>
    Task RemoveThingAsync(string thingId);

    /// <summary>A continuous job that targets this group asks to be told of things that join it (until it ends).</summary>
    Task WatchAsync(string jobId);

    Task UnwatchAsync(string jobId);
}

/// <summary>One thing's membership of one static group (key: <c>{group}/{thingId}</c>, see <see cref="GroupMembers"/>).</summary>
[Alias("cg.IGroupMemberGrain")]
public interface IGroupMemberGrain : IGrainWithStringKey
{
    /// <summary>Stores the membership (once: a repeat keeps the first join time).</summary>
    Task JoinAsync();

    /// <summary>Removes the membership; whether there was one.</summary>
    Task<bool> LeaveAsync();
}

public static class GroupMembers
{
    // A group name is a thing-id-like name (no '/'), so the first '/' separates the two.
    public static string Key(string group, string thingId) => $"{group}/{thingId}";
}
