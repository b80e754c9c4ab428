namespace CommandGrid.Storage;

/// <summary>
/// Where a grain's rows live: its type and key as text, and the grain's uniform hash (the
/// reminder table keeps it so a silo can read only the range of the ring it owns). The
/// Orleans adapters build it from a GrainId; the relational layer takes no GrainId, only this key.
/// </summary>
public readonly record struct StorageKey(string Type, string Key, uint Hash = 0)
{
    public override string ToString() => $"{Type}/{Key}";
}
