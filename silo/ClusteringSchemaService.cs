using CommandGrid.Storage.Clustering;

namespace CommandGrid.Silo;

/// <summary>
/// Creates or migrates Orleans' membership tables before the silo joins. Registered ahead of
/// the Orleans silo, so the host starts it first.
/// </summary>
internal sealed class ClusteringSchemaService(string connectionString) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => ClusteringSchema.ApplyAsync(connectionString, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
