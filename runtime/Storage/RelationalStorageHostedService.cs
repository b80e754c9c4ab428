using Microsoft.Extensions.Hosting;

namespace CommandGrid.Runtime.Storage;

/// <summary>Creates the schema and starts the writer with the host; drains queued writes when the host stops.</summary>
internal sealed class RelationalStorageHostedService(RelationalStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => store.StopAsync();
}
