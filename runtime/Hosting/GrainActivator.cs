using System.Reflection;
using CommandGrid.Runtime.Reminders;
using CommandGrid.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CommandGrid.Runtime.Hosting;

/// <summary>
/// Builds grain instances: constructor parameters come from the service provider, except
/// [PersistentState] ones, which get that grain's state from the named storage.
/// </summary>
internal sealed class GrainActivator(IServiceProvider services, GrainTypeRegistry registry)
{
    private static readonly MethodInfo CreateStateMethod =
        typeof(GrainActivator).GetMethod(nameof(CreateState), BindingFlags.NonPublic | BindingFlags.Static)!;

    public (Grain Grain, IReadOnlyList<ILoadableState> States) Create(Activation activation)
    {
        if (!registry.TryGet(activation.GrainId.Type, out var type))
        {
            throw new InvalidOperationException($"No grain class for grain type '{activation.GrainId.Type}' is hosted here.");
        }
        var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var states = new List<ILoadableState>();
        var args = ctor.GetParameters().Select(p =>
        {
            if (p.GetCustomAttribute<PersistentStateAttribute>() is { } attribute)
            {
                var stateType = p.ParameterType.GetGenericArguments()[0];
                var storage = attribute.StorageName is null
                    ? services.GetRequiredService<IGrainStorage>()
                    : services.GetRequiredKeyedService<IGrainStorage>(attribute.StorageName);
                var state = CreateStateMethod.MakeGenericMethod(stateType).Invoke(null, [attribute.StateName, activation.GrainId, storage])!;
                states.Add((ILoadableState)state);
                return state;
            }
            return services.GetRequiredService(p.ParameterType);
        }).ToArray();
        var grain = (Grain)ctor.Invoke(args);
        grain.Attach(new ActivationContext(activation, services.GetRequiredService<IGrainFactory>(), services.GetRequiredService<IReminderRegistry>()));
        return (grain, states);
    }

    private static object CreateState<T>(string stateName, GrainId grainId, IGrainStorage storage) where T : new() =>
        new PersistentState<T>(stateName, grainId, storage);
}
