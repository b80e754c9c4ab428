using Orleans.Runtime;
using Orleans.Storage;

namespace CommandGrid.Tests.Grains;

/// <summary>Orleans' memory grain storage, telling <see cref="MemoryGridIndex"/> of every state it stored or cleared.</summary>
internal sealed class IndexedMemoryGrainStorage(IGrainStorage memory, MemoryGridIndex index) : IGrainStorage
{
    /// <summary>The name the wrapped memory storage is registered under.</summary>
    public const string Inner = "memory";

    private Func<object?, bool>? _refuse;

    /// <summary>
    /// Refuses the next write whose state matches as a conditional write refused by the database would be (another
    /// activation wrote first): the grain drops its activation and the next call reloads what is stored.
    /// </summary>
    public void RefuseNextWrite(Func<object?, bool> when) => _refuse = when;

    /// <summary>A refusal is still waiting for its write.</summary>
    public bool Refusing => _refuse is not null;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        memory.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_refuse is { } refuse && refuse(grainState.State) && Interlocked.CompareExchange(ref _refuse, null, refuse) == refuse)
        {
            throw new InconsistentStateException($"The test refused this write of {grainId}");
        }
        await memory.WriteStateAsync(stateName, grainId, grainState);
        index.Stored(grainId, grainState.State);
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await memory.ClearStateAsync(stateName, grainId, grainState);
        index.Cleared(grainId);
    }
}
