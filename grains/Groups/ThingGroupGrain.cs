using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Groups;

/// <summary>
/// One thing group. A static group's members are written as <see cref="IGroupMemberGrain"/> rows and on the
/// device's record; a dynamic group stores only its query. Continuous jobs that target a static group are
/// told of each thing that joins it; a dynamic group's newcomers are found by the job's own rescans.
/// </summary>
/// <remarks>
/// This grain awaits device grains and member grains, and tells job grains one-way only: a job grain awaits
/// this grain (<see cref="WatchAsync"/>), so the way back must not wait.
/// </remarks>
[GrainType("thinggroup")]
public sealed class ThingGroupGrain(
    [PersistentState("group")] IPersistentState<ThingGroupState> state,
    TimeProvider clock) : Grain, IThingGroupGrain
{
    private string Name => this.GetPrimaryKeyString();

    public Task<ThingGroupRecord?> GetAsync() => Task.FromResult(state.RecordExists ? state.State.ToRecord() : null);

    public async Task<ThingGroupRecord> SaveAsync(ThingGroupDefinition definition)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (!state.RecordExists)
        {
            state.State = new ThingGroupState { Name = Name, CreatedAtMs = now, Query = definition.Query };
        }
        else if ((state.State.Query is null) != (definition.Query is null))
        {
            // A static group's stored members would be left meaning nothing (or a dynamic one would lose its query).
            throw new CommandValidationException($"Group {Name} is {(state.State.Query is null ? "static" : "dynamic")} and stays so; create another group instead.");
        }
        state.State.Description = definition.Description ?? state.State.Description;
        state.State.Query = definition.Query ?? state.State.Query;
        state.State.UpdatedAtMs = now;
        await state.WriteStateAsync();
        return state.State.ToRecord();
    }

    public async Task AddThingAsync(string thingId)
    {
        EnsureStatic();
        var device = GrainFactory.GetGrain<IDeviceGrain>(thingId);
        if (await device.GetAsync() is null)
        {
            throw new DeviceNotFoundException($"Thing {thingId} is not registered");
        }
        // The member row first: it is what jobs read; the device's own list follows, and a repeat completes both.
        await GrainFactory.GetGrain<IGroupMemberGrain>(GroupMembers.Key(Name, thingId)).JoinAsync();
        await device.JoinGroupAsync(Name);
        foreach (var job in state.State.ContinuousJobs)
        {
            _ = GrainFactory.GetGrain<IJobGrain>(job).ThingJoinedAsync(thingId);
        }
    }

    public async Task RemoveThingAsync(string thingId)
    {
        EnsureStatic();
        await GrainFactory.GetGrain<IGroupMemberGrain>(GroupMembers.Key(Name, thingId)).LeaveAsync();
        await GrainFactory.GetGrain<IDeviceGrain>(thingId).LeaveGroupAsync(Name);
    }

    public async Task WatchAsync(string jobId)
    {
        EnsureExists();
        if (!state.State.ContinuousJobs.Contains(jobId))
        {
            state.State.ContinuousJobs.Add(jobId);
            await state.WriteStateAsync();
        }
    }

    public async Task UnwatchAsync(string jobId)
    {
        if (state.RecordExists && state.State.ContinuousJobs.Remove(jobId))
        {
            await state.WriteStateAsync();
        }
    }

    private void EnsureExists()
    {
        if (!state.RecordExists)
        {
            throw new GroupNotFoundException($"Thing group {Name} not found");
        }
    }

    private void EnsureStatic()
    {
        EnsureExists();
        if (state.State.Query is not null)
        {
            throw new CommandValidationException($"Group {Name} is dynamic: its members are the things its query matches");
        }
    }
}
