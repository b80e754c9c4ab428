namespace CommandGrid.Runtime;

/// <summary>
/// Identifies one grain in the cluster: its type name and its key. Integer keys are
/// carried as their decimal text so that storage and routing treat every key alike.
/// </summary>
public readonly record struct GrainId(string Type, string Key)
{
    public static GrainId Create(string type, long key) => new(type, key.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A hash that is the same on every machine and every run, used for placement and reminder ranges.</summary>
    public uint UniformHash => StableHash.Of(Type, Key);

    public long KeyAsLong() => long.Parse(Key, System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => $"{Type}/{Key}";
}
