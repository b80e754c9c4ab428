using Orleans.Runtime;

namespace CommandGrid.Storage.Hosting;

/// <summary>
/// Creates the schema before any grain runs and, on the way down, drains the queued writes
/// only after the grains were deactivated (stages stop in reverse order), so nothing a grain
/// wrote on its way out is lost.
/// </summary>
internal sealed class RelationalStoreLifecycle(RelationalStore store) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(RelationalStoreLifecycle),
            ServiceLifecycleStage.RuntimeStorageServices,
            cancellationToken => store.InitializeAsync(cancellationToken),
            _ => store.StopAsync());
}
