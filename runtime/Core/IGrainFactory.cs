namespace CommandGrid.Runtime;

/// <summary>Hands out references to grains and turns local objects into observer references.</summary>
public interface IGrainFactory
{
    TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey;

    TGrain GetGrain<TGrain>(long key) where TGrain : IGrainWithIntegerKey;

    /// <summary>
    /// Wraps a local object so it can be passed to grains. The grain holds only a reference;
    /// calls on it travel back through the runtime to this process.
    /// </summary>
    TObserver CreateObjectReference<TObserver>(TObserver observer) where TObserver : class, IGrainObserver;

    void DeleteObjectReference<TObserver>(TObserver reference) where TObserver : class, IGrainObserver;
}
