using CommandGrid.Grains.Devices;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage.Queries;

namespace CommandGrid.Grains.Groups;

/// <summary>
/// A group's members, a page at a time, through the query seam: a static group's stored member rows, or
/// the registered things a dynamic group's query matches. Used by listings and by the jobs' fan-out alike.
/// </summary>
internal static class GroupMemberPages
{
    public static async Task<ThingIdPage> ReadAsync(IGridQueries queries, ThingGroupRecord group, string? cursor, int limit)
    {
        if (group.Query is { } query)
        {
            var devices = await queries.MatchingDevicesAsync<DeviceState>(query, cursor, limit);
            return new ThingIdPage([.. devices.Items.Select(d => d.Id)], devices.NextCursor);
        }
        var members = await queries.GroupMembersAsync<GroupMemberState>(group.Name, cursor, limit);
        return new ThingIdPage([.. members.Items.Select(m => m.ThingId)], members.NextCursor);
    }
}
