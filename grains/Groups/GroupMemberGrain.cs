using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Groups;

/// <summary>
/// A static group's membership as a row of its own (key <c>{group}/{thingId}</c>), so that the members of a
/// group of any size are paged from the indexed table instead of being held in the group's state.
/// </summary>
[GrainType("groupmember")]
public sealed class GroupMemberGrain(
    [PersistentState("member")] IPersistentState<GroupMemberState> state,
    TimeProvider clock) : Grain, IGroupMemberGrain
{
    public async Task JoinAsync()
    {
        if (state.RecordExists)
        {
            return;
        }
        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        state.State = new GroupMemberState { Group = key[..slash], ThingId = key[(slash + 1)..], CreatedAtMs = clock.GetUtcNow().ToUnixTimeMilliseconds() };
        await state.WriteStateAsync();
    }

    public async Task<bool> LeaveAsync()
    {
        if (!state.RecordExists)
        {
            return false;
        }
        await state.ClearStateAsync();
        DeactivateOnIdle();
        return true;
    }
}
