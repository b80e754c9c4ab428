using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Placement;

namespace CommandGrid.Grains.Devices;

/// <summary>Places <see cref="DoorLocalPlacement"/> grains: on this silo for a door's call, else by the silo's default placement.</summary>
internal sealed class DoorLocalPlacementDirector : IPlacementDirector
{
    private readonly PlacementStrategy _defaultStrategy;
    private readonly IPlacementDirector _defaultDirector;

    public DoorLocalPlacementDirector(IServiceProvider services)
    {
        _defaultStrategy = services.GetRequiredService<PlacementStrategy>();
        _defaultDirector = services.GetRequiredKeyedService<IPlacementDirector>(_defaultStrategy.GetType());
    }

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint)
        {
            return Task.FromResult(hint);
        }
        if (target.RequestContextData?.ContainsKey(DoorCall.RequestContextKey) == true
            && context.LocalSiloStatus == SiloStatus.Active
            && silos.Contains(context.LocalSilo))
        {
            return Task.FromResult(context.LocalSilo);
        }
        return _defaultDirector.OnAddActivation(_defaultStrategy, target, context);
    }
}
