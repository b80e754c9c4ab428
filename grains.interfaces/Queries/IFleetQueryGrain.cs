namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// Lists and filters executions and devices with queries on their indexed tables.
/// Reentrant: queries do not wait on each other. Use key 0.
/// </summary>
[Alias("cg.IFleetQueryGrain")]
public interface IFleetQueryGrain : IGrainWithIntegerKey
{
    Task<CommandPage> ListCommandsAsync(CommandQuery query);

    Task<DevicePage> ListDevicesAsync(DeviceQuery query);

    Task<ThingGroupPage> ListGroupsAsync(string? cursor, int limit);

    /// <summary>A page of a group's members: a static group's stored members, or the things a dynamic group's query matches.</summary>
    /// <exception cref="GroupNotFoundException">No such group.</exception>
    Task<ThingIdPage> ListGroupMembersAsync(string group, string? cursor, int limit);

    /// <summary>Jobs, newest first, of one status when given.</summary>
    Task<JobPage> ListJobsAsync(string? status, string? cursor, int limit);
}

/// <param name="Cursor">Opaque, from a previous page's NextCursor.</param>
/// <param name="From">Only executions whose timestamp is at or after this.</param>
/// <param name="To">Only executions whose timestamp is before this.</param>
/// <param name="JobId">Only the executions of this fleet job.</param>
[GenerateSerializer, Immutable, Alias("cg.CommandQuery")]
public sealed record CommandQuery(
    string? DeviceId = null,
    string? Command = null,
    string? Status = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    bool Descending = true,
    string? Cursor = null,
    int Limit = 20,
    string? JobId = null);

[GenerateSerializer, Immutable, Alias("cg.CommandPage")]
public sealed record CommandPage(IReadOnlyList<CommandRecord> Items, string? NextCursor);

[GenerateSerializer, Immutable, Alias("cg.DeviceQuery")]
public sealed record DeviceQuery(string? Name = null, string? NamePrefix = null, long? NetworkId = null, string? Cursor = null, int Limit = 20);

[GenerateSerializer, Immutable, Alias("cg.DevicePage")]
public sealed record DevicePage(IReadOnlyList<DeviceRecord> Items, string? NextCursor);
