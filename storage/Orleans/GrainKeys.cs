namespace CommandGrid.Storage.Orleans;

/// <summary>Maps Orleans' grain ids to the rows' (type, key, hash) and back.</summary>
internal static class GrainKeys
{
    public static StorageKey From(GrainId grainId) =>
        new(grainId.Type.ToString()!, grainId.Key.ToString()!, grainId.GetUniformHashCode());

    public static GrainId ToGrainId(StorageKey key) => GrainId.Create(key.Type, key.Key);
}
