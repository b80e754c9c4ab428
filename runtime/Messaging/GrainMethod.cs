using System.Collections.Concurrent;
using System.Reflection;

namespace CommandGrid.Runtime.Messaging;

/// <summary>
/// What the runtime needs to know of one interface method: how to name it on the wire,
/// its argument types, the type of its result and whether the caller waits.
/// </summary>
internal sealed class GrainMethod
{
    private static readonly ConcurrentDictionary<MethodInfo, GrainMethod> ByMethod = new();
    private static readonly ConcurrentDictionary<(string Interface, string Method), GrainMethod> ByName = new();

    private GrainMethod(MethodInfo method)
    {
        Method = method;
        Interface = method.DeclaringType!.FullName!;
        Name = method.Name;
        ParameterTypes = method.GetParameters().Select(p => p.ParameterType).ToArray();
        if (method.ReturnType == typeof(Task))
        {
            ResultType = null;
        }
        else if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            ResultType = method.ReturnType.GetGenericArguments()[0];
            ResultGetter = method.ReturnType.GetProperty(nameof(Task<int>.Result))!;
        }
        else
        {
            throw new NotSupportedException($"Grain method {Interface}.{Name} must return Task or Task<T>.");
        }
        OneWay = method.GetCustomAttribute<OneWayAttribute>() is not null
            || typeof(IGrainObserver).IsAssignableFrom(method.DeclaringType);
        if (OneWay && ResultType is not null)
        {
            throw new NotSupportedException($"One-way method {Interface}.{Name} cannot return a value.");
        }
    }

    public MethodInfo Method { get; }

    public string Interface { get; }

    public string Name { get; }

    public Type[] ParameterTypes { get; }

    public Type? ResultType { get; }

    public PropertyInfo? ResultGetter { get; }

    public bool OneWay { get; }

    public static GrainMethod For(MethodInfo method) => ByMethod.GetOrAdd(method, static m =>
    {
        var grainMethod = new GrainMethod(m);
        ByName.TryAdd((grainMethod.Interface, grainMethod.Name), grainMethod);
        return grainMethod;
    });

    /// <summary>Registers every method of an interface (and its base interfaces) so incoming calls can find it by name.</summary>
    public static void RegisterInterface(Type grainInterface)
    {
        foreach (var type in grainInterface.GetInterfaces().Append(grainInterface))
        {
            if (type == typeof(IGrain) || type == typeof(IGrainObserver))
            {
                continue;
            }
            var overloaded = type.GetMethods().GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
            if (overloaded is not null)
            {
                throw new NotSupportedException($"Grain interface {type.FullName} overloads {overloaded.Key}; grain methods are called by name.");
            }
            foreach (var method in type.GetMethods())
            {
                For(method);
            }
        }
    }

    public static GrainMethod Find(string interfaceName, string methodName) =>
        ByName.TryGetValue((interfaceName, methodName), out var method)
            ? method
            : throw new MissingMethodException($"No grain method {interfaceName}.{methodName} is registered here.");
}
