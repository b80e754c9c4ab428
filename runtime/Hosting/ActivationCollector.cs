using CommandGrid.Runtime.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CommandGrid.Runtime.Hosting;

/// <summary>Deactivates idle activations periodically, and all of them when the silo stops.</summary>
internal sealed class ActivationCollector(Catalog catalog, IOptions<RuntimeOptions> options, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CollectionInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                catalog.CollectIdle(options.Value.IdleTimeout);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await catalog.DeactivateAsync(_ => true, DeactivationReason.ShuttingDown).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
