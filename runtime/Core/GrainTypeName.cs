using System.Collections.Concurrent;
using System.Reflection;

namespace CommandGrid.Runtime;

/// <summary>The grain type name of an interface: its [GrainType] name, or its name without the leading I.</summary>
public static class GrainTypeName
{
    private static readonly ConcurrentDictionary<Type, string> Names = new();

    public static string Of(Type grainInterface) => Names.GetOrAdd(grainInterface, static t =>
        t.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? Derive(t.Name));

    private static string Derive(string name)
    {
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name[1..];
        }
        if (name.Length > "Grain".Length && name.EndsWith("Grain", StringComparison.Ordinal))
        {
            name = name[..^"Grain".Length];
        }
        return name.ToLowerInvariant();
    }
}
