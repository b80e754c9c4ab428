using CommandGrid.Runtime.Messaging;

namespace CommandGrid.Runtime.Hosting;

/// <summary>Which grain class implements each grain type name hosted here.</summary>
public sealed class GrainTypeRegistry
{
    private readonly Dictionary<string, Type> _implementations = [];

    public IReadOnlyCollection<string> GrainTypes => _implementations.Keys;

    public void Add(Type implementation)
    {
        if (!typeof(Grain).IsAssignableFrom(implementation) || implementation.IsAbstract)
        {
            throw new ArgumentException($"{implementation.Name} is not a concrete Grain.");
        }
        var grainInterfaces = implementation.GetInterfaces()
            .Where(i => typeof(IGrain).IsAssignableFrom(i) && i != typeof(IGrain) && i != typeof(IGrainWithStringKey)
                && i != typeof(IGrainWithIntegerKey) && i != typeof(IRemindable))
            .ToArray();
        var names = grainInterfaces.Select(GrainTypeName.Of).Distinct().ToArray();
        if (names.Length != 1)
        {
            throw new ArgumentException($"{implementation.Name} must implement grain interfaces of exactly one grain type, found {names.Length}.");
        }
        foreach (var grainInterface in grainInterfaces.Append(typeof(IRemindable)))
        {
            GrainMethod.RegisterInterface(grainInterface);
        }
        _implementations[names[0]] = implementation;
    }

    public bool TryGet(string grainType, out Type implementation) => _implementations.TryGetValue(grainType, out implementation!);
}
