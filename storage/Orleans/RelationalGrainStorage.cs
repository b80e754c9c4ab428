using Orleans.Storage;

namespace CommandGrid.Storage.Orleans;

/// <summary>
/// Orleans' grain storage contract on the relational store: states are JSON payloads, every
/// write is conditional on the ETag the grain read (a stale writer gets
/// <see cref="InconsistentStateException"/>), and writes of many grains share one commit.
/// </summary>
public sealed class RelationalGrainStorage(RelationalStore store) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var stored = await store.ReadAsync(stateName, GrainKeys.From(grainId));
        if (stored is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = StateJson.Read<T>(stored.Payload);
        grainState.ETag = stored.ETag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = StateJson.Write(grainState.State);
        grainState.ETag = await store.WriteAsync(stateName, GrainKeys.From(grainId), payload, grainState.ETag);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await store.ClearAsync(stateName, GrainKeys.From(grainId), grainState.ETag);
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }
}
