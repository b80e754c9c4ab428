using CommandGrid.Runtime.Messaging;
using CommandGrid.Runtime.Observers;

namespace CommandGrid.Runtime.Hosting;

/// <summary>The router of a single silo: every grain is local, every observer too.</summary>
public sealed class LocalMessageRouter(Catalog catalog, ObserverRegistry observers) : IMessageRouter
{
    public Task<GrainResponse> SendAsync(GrainRequest request, CancellationToken cancellationToken)
    {
        if (ObserverRegistry.IsObserver(request.Target))
        {
            observers.Deliver(request);
            return Task.FromResult(GrainResponse.Success(null));
        }
        return catalog.InvokeAsync(request);
    }
}
