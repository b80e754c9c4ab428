using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// Marks this gateway's calls to device grains as a door's (<see cref="DoorCall"/>), so that a device grain they
/// activate lives on the silo its calls from here arrive at.
/// </summary>
internal sealed class DoorCallMarker : IOutgoingGrainCallFilter
{
    // Async so that the mark stays on this call's request context and does not leak into the caller's.
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.Grain is IDeviceGrain)
        {
            RequestContext.Set(DoorCall.RequestContextKey, true);
        }
        await context.Invoke();
    }
}
