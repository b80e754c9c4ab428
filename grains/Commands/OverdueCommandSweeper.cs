using CommandGrid.Grains.Cluster;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage.Queries;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// Times out every command whose TTL passed while nothing could fire for it: the node was down, the silo owning
/// its reminder died and was not yet declared dead (Orleans skips the ticks missed meanwhile, so the next comes a
/// whole period late), or the silo that held it in memory died before it left with a reminder. This silo sweeps
/// with one indexed query when it becomes active, again on every change of the active silos, and every
/// <see cref="GridOptions.OverdueSweepPeriodSeconds"/> for what is overdue by more than that period (what is less
/// overdue is still its timer's or reminder's to end). The grains' own check makes a sweep that races a timer or
/// a reminder harmless, and a sweep repeated harmless.
/// </summary>
internal sealed partial class OverdueCommandSweeper(
    IGrainFactory grains,
    IGridQueries queries,
    TimeProvider clock,
    IOptions<GridOptions> options,
    ILogger<OverdueCommandSweeper> logger) : IActiveSilosListener
{
    private readonly TimeSpan _period = TimeSpan.FromSeconds(options.Value.OverdueSweepPeriodSeconds);

    private const int Concurrency = 32;

    /// <summary>
    /// How soon after a change of the active silos it sweeps again. A lost silo's grains can still be routed to it
    /// for a moment after its death is declared (the directory drops their entries as each silo learns of it),
    /// and a frozen silo answers nothing until then; those calls fail and the next sweep reaches new activations.
    /// </summary>
    public static readonly TimeSpan[] SweepsAfterChange = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// Times out every open command due more than <paramref name="overdueBy"/> before now; returns how many it timed
    /// out and how many calls failed.
    /// </summary>
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken, TimeSpan overdueBy = default)
    {
        var timedOut = 0;
        var failed = 0;
        Exception? firstFailure = null;
        var overdue = queries.OverdueCommandIdsAsync(clock.GetUtcNow() - overdueBy, cancellationToken);
        await Parallel.ForEachAsync(overdue, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (id, _) =>
        {
            try
            {
                var record = await grains.GetGrain<ICommandGrain>(id).ExpireIfDueAsync();
                if (record?.Status == CommandStatus.TimedOut)
                {
                    Interlocked.Increment(ref timedOut);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One unreachable grain must not keep the others waiting: the next sweep (or its reminder) gets it.
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstFailure, e, null);
            }
        });
        return new SweepResult(timedOut, failed, firstFailure);
    }

    public async Task OnActiveSilosAsync(ActiveSilosChange change, CancellationToken cancellationToken)
    {
        var reason = change == ActiveSilosChange.Joined ? "start" : "membership change";
        await SweepLoggedAsync(reason, cancellationToken);
        if (change == ActiveSilosChange.Joined)
        {
            _ = SweepPeriodicallyAsync(cancellationToken);
        }
        else
        {
            // Not awaited: the watcher queues each notice behind this one, and the next change's sweep must not
            // wait out these delays.
            _ = SweepAgainAsync(reason, cancellationToken);
        }
    }

    private async Task SweepAgainAsync(string reason, CancellationToken cancellationToken)
    {
        var since = TimeSpan.Zero;
        foreach (var after in SweepsAfterChange)
        {
            try
            {
                await Task.Delay(after - since, clock, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            since = after;
            await SweepLoggedAsync($"{reason} + {after.TotalSeconds:0} s", cancellationToken);
        }
    }

    private async Task SweepPeriodicallyAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_period, clock, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await SweepLoggedAsync("period", cancellationToken, _period);
        }
    }

    private async Task SweepLoggedAsync(string reason, CancellationToken cancellationToken, TimeSpan overdueBy = default)
    {
        try
        {
            var result = await SweepAsync(cancellationToken, overdueBy);
            if (result.Failed > 0)
            {
                LogSweptWithFailures(logger, reason, result.TimedOut, result.Failed, result.FirstFailure!.GetType().Name, result.FirstFailure.Message);
            }
            else if (result.TimedOut > 0 || overdueBy == TimeSpan.Zero)
            {
                // A periodic sweep that found nothing, which is every one while no silo died, is not news.
                LogSwept(logger, reason, result.TimedOut);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
            // The silo stopped while its sweep ran (its store is already disposed): nothing failed, and the next
            // start sweeps again.
            LogSweepLeftAtStop(logger, reason);
        }
        catch (Exception e)
        {
            // The reminders still fire, at most a period late; the next sweep tries again.
            LogSweepFailed(logger, reason, e);
        }
    }

    /// <summary>What one sweep did: commands it timed out, grain calls that failed, the first failure.</summary>
    public sealed record SweepResult(int TimedOut, int Failed, Exception? FirstFailure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Overdue sweep at {Reason}: {TimedOut} commands timed out, {Failed} could not be reached ({Error}: {Detail}); the next sweep or their reminder ends them")]
    private static partial void LogSweptWithFailures(ILogger logger, string reason, int timedOut, int failed, string error, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Overdue sweep at {Reason}: {TimedOut} commands timed out")]
    private static partial void LogSwept(ILogger logger, string reason, int timedOut);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Overdue sweep at {Reason} left off: the silo is stopping")]
    private static partial void LogSweepLeftAtStop(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Overdue sweep at {Reason} failed")]
    private static partial void LogSweepFailed(ILogger logger, string reason, Exception error);
}
