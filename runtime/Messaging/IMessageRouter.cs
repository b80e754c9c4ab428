namespace CommandGrid.Runtime.Messaging;

/// <summary>
/// Carries grain calls to wherever the target lives: the local catalog in a single silo,
/// another silo or a client over TCP in a cluster.
/// </summary>
public interface IMessageRouter
{
    Task<GrainResponse> SendAsync(GrainRequest request, CancellationToken cancellationToken);
}
