using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// Times out every command whose TTL passed while no reminder could fire for it: the node was
/// down, or the silo owning its reminder died and was not yet declared dead. Orleans skips the
/// ticks missed meanwhile (the next one comes a whole period late), so this silo runs one
/// indexed query when it becomes active and again on every change of the active silos.
/// The grains' own check makes a sweep that races a reminder harmless.
/// </summary>
internal sealed partial class OverdueCommandSweeper(
    IClusterMembershipService membership,
    IGrainFactory grains,
    IIndexedStateQuery query,
    TimeProvider clock,
    ILogger<OverdueCommandSweeper> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private const int PageSize = 500;
    private static readonly string[] OpenStatuses = [CommandStatus.Pending, CommandStatus.Sent, CommandStatus.InProgress];

    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OverdueCommandSweeper), ServiceLifecycleStage.Active, OnStart, OnStop);

    /// <summary>Times out every open command due before now; returns how many it timed out.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var timedOut = 0;
        foreach (var status in OpenStatuses)
        {
            var overdue = new IndexQuery(
                GridTables.Commands,
                [new ColumnFilter("status", FilterOperator.Equal, status), new ColumnFilter("expires_at", FilterOperator.Less, now)],
                "expires_at", Descending: false, After: null, PageSize);
            var ids = query.QueryAllAsync(overdue, cancellationToken).Select(CommandState.IdOf);
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (id, _) =>
            {
                var record = await grains.GetGrain<ICommandGrain>(id).ExpireIfDueAsync();
                if (record?.Status == CommandStatus.TimedOut)
                {
                    Interlocked.Increment(ref timedOut);
                }
            });
        }
        return timedOut;
    }

    private Task OnStart(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await SweepLoggedAsync("start", cancellationToken);
        string? activeSilos = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var active = ActiveSilos.Of(snapshot);
                if (activeSilos is not null && active != activeSilos)
                {
                    await SweepLoggedAsync("membership change", cancellationToken);
                }
                activeSilos = active;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepLoggedAsync(string reason, CancellationToken cancellationToken)
    {
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
