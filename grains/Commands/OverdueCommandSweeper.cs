using CommandGrid.Grains.Cluster;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage.Queries;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// Times out every command whose TTL passed while no reminder could fire for it: the node was
/// down, or the silo owning its reminder died and was not yet declared dead. Orleans skips the
/// ticks missed meanwhile (the next one comes a whole period late), so this silo sweeps with one
/// indexed query when it becomes active and again on every change of the active silos.
/// The grains' own check makes a sweep that races a reminder harmless.
/// </summary>
internal sealed partial class OverdueCommandSweeper(
    IGrainFactory grains,
    IGridQueries queries,
    TimeProvider clock,
    ILogger<OverdueCommandSweeper> logger) : IActiveSilosListener
{
    private const int Concurrency = 32;

    /// <summary>Times out every open command due before now; returns how many it timed out.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var timedOut = 0;
        var overdue = queries.OverdueCommandIdsAsync(clock.GetUtcNow(), cancellationToken);
        await Parallel.ForEachAsync(overdue, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (id, _) =>
        {
            var record = await grains.GetGrain<ICommandGrain>(id).ExpireIfDueAsync();
            if (record?.Status == CommandStatus.TimedOut)
            {
                Interlocked.Increment(ref timedOut);
            }
        });
        return timedOut;
    }

    public async Task OnActiveSilosAsync(ActiveSilosChange change, CancellationToken cancellationToken)
    {
        var reason = change == ActiveSilosChange.Joined ? "start" : "membership change";
        try
        {
            var timedOut = await SweepAsync(cancellationToken);
            LogSwept(logger, reason, timedOut);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The reminders still fire, at most a period late; the next membership change sweeps again.
            LogSweepFailed(logger, reason, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Overdue sweep at {Reason}: {TimedOut} commands timed out")]
    private static partial void LogSwept(ILogger logger, string reason, int timedOut);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Overdue sweep at {Reason} failed")]
    private static partial void LogSweepFailed(ILogger logger, string reason, Exception error);
}
