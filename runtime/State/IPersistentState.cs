namespace CommandGrid.Runtime;

/// <summary>
/// A grain's durable state, loaded before OnActivateAsync. Writes are conditional on
/// <see cref="Etag"/>: a stale writer gets <see cref="Storage.InconsistentStateException"/>.
/// </summary>
public interface IPersistentState<TState> where TState : new()
{
    TState State { get; set; }

    string? Etag { get; }

    bool RecordExists { get; }

    Task ReadStateAsync();

    Task WriteStateAsync();

    Task ClearStateAsync();
}

/// <summary>Marks a grain constructor parameter of type IPersistentState&lt;T&gt;: the state's name and the storage that holds it.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    public string StateName { get; } = stateName;

    public string? StorageName { get; } = storageName;
}
