using System.Collections.Concurrent;
using System.Reflection;

namespace CommandGrid.Runtime;

/// <summary>The grain type name of an interface: its [GrainType] name, or its name without the leading I.</summary>
public static class GrainTypeName
{
    private static readonly ConcurrentDictionary<Type, string> Names = new();

    public static string Of(Type grainInterface) => Names.GetOrAdd(grainInterface, static t =>
        t.GetCustomAttribute<GrainTypeAttribute>()?.Name
        ?? (t.Name.StartsWith('I') && t.Name.Length > 1 ? t.Name[1..] : t.Name).ToLowerInvariant());
}
