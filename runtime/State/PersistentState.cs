using System.Text.Json;
using CommandGrid.Runtime.Storage;

namespace CommandGrid.Runtime;

internal sealed class PersistentState<TState>(string stateName, GrainId grainId, IGrainStorage storage) : IPersistentState<TState>, ILoadableState
    where TState : new()
{
    public TState State { get; set; } = new();

    public string? Etag { get; private set; }

    public bool RecordExists => Etag is not null;

    public async Task ReadStateAsync()
    {
        var stored = await storage.ReadAsync(stateName, grainId).ConfigureAwait(false);
        State = stored is null ? new TState() : JsonSerializer.Deserialize<TState>(stored.Payload, StateJson.Options) ?? new TState();
        Etag = stored?.ETag;
    }

    public async Task WriteStateAsync()
    {
        var payload = JsonSerializer.Serialize(State, StateJson.Options);
        Etag = await storage.WriteAsync(stateName, grainId, payload, Etag).ConfigureAwait(false);
    }

    public async Task ClearStateAsync()
    {
        await storage.ClearAsync(stateName, grainId, Etag).ConfigureAwait(false);
        Etag = null;
        State = new TState();
    }

    Task ILoadableState.LoadAsync() => ReadStateAsync();
}

internal interface ILoadableState
{
    Task LoadAsync();
}

/// <summary>How grain states are written to storage: camelCase JSON, so indexed columns can name properties predictably.</summary>
public static class StateJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
