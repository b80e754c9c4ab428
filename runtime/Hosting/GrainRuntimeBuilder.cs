namespace CommandGrid.Runtime.Hosting;

/// <summary>Collects the grain classes a silo hosts.</summary>
public sealed class GrainRuntimeBuilder(GrainTypeRegistry registry)
{
    public GrainRuntimeBuilder AddGrain<TGrain>() where TGrain : Grain
    {
        registry.Add(typeof(TGrain));
        return this;
    }
}
