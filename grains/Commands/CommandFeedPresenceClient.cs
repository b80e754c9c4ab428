using Orleans.Runtime.Services;

namespace CommandGrid.Grains.Commands;

/// <summary>The <see cref="ICommandFeedPresenceService"/> of a given silo.</summary>
public sealed class CommandFeedPresenceClient(IServiceProvider services) : GrainServiceClient<ICommandFeedPresenceService>(services)
{
    public ICommandFeedPresenceService On(SiloAddress silo) => GetGrainService(silo);
}
