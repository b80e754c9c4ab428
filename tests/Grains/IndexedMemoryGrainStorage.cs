using Orleans.Runtime;
using Orleans.Storage;

namespace CommandGrid.Tests.Grains;

/// <summary>Orleans' memory grain storage, telling <see cref="MemoryGridIndex"/> of every state it stored or cleared.</summary>
internal sealed class IndexedMemoryGrainStorage(IGrainStorage memory, MemoryGridIndex index) : IGrainStorage
{
    /// <summary>The name the wrapped memory storage is registered under.</summary>
    public const string Inner = "memory";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        memory.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await memory.WriteStateAsync(stateName, grainId, grainState);
        index.Stored(grainId, grainState.State);
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await memory.ClearStateAsync(stateName, grainId, grainState);
        index.Cleared(grainId);
    }
}
