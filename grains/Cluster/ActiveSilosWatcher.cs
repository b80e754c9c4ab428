using Microsoft.Extensions.Logging;

namespace CommandGrid.Grains.Cluster;

/// <summary>
/// The one reader of Orleans' membership view: it diffs the active silos of each snapshot and tells
/// every <see cref="IActiveSilosListener"/> (the overdue sweep, the doors' cluster-change signal) when
/// the set changed. Status changes that leave the active set as it was (a silo joining, then
/// becoming active, is one change) are not news.
/// </summary>
internal sealed partial class ActiveSilosWatcher : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly IClusterMembershipService _membership;
    private readonly IActiveSilosListener[] _listeners;
    private readonly Task[] _told;
    private readonly ILogger<ActiveSilosWatcher> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public ActiveSilosWatcher(IClusterMembershipService membership, IEnumerable<IActiveSilosListener> listeners, ILogger<ActiveSilosWatcher> logger)
    {
        _membership = membership;
        _listeners = [.. listeners];
        _told = [.. _listeners.Select(_ => Task.CompletedTask)];
        _logger = logger;
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ActiveSilosWatcher), ServiceLifecycleStage.Active, OnStart, OnStop);

    private Task OnStart(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        await Task.WhenAll(_told).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        Tell(ActiveSilosChange.Joined, cancellationToken);
        string? seen = null;
        try
        {
            await foreach (var snapshot in _membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var active = ActiveSilosOf(snapshot);
                if (seen is not null && active != seen)
                {
                    Tell(ActiveSilosChange.Changed, cancellationToken);
                }
                seen = active;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    // Each listener's notices queue behind its previous one, so a slow sweep delays neither the
    // doors' signal nor the reading of the next snapshot.
    private void Tell(ActiveSilosChange change, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _listeners.Length; i++)
        {
            _told[i] = TellAfterAsync(_told[i], _listeners[i], change, cancellationToken);
        }
    }

    private async Task TellAfterAsync(Task previous, IActiveSilosListener listener, ActiveSilosChange change, CancellationToken cancellationToken)
    {
        await previous;
        try
        {
            await listener.OnActiveSilosAsync(change, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogListenerFailed(_logger, listener.GetType().Name, change, e);
        }
    }

    /// <summary>The active silos of a snapshot in a canonical text form: two snapshots differ in their live silos exactly when these differ.</summary>
    private static string ActiveSilosOf(ClusterMembershipSnapshot snapshot) => string.Join(',', snapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active)
        .Select(m => m.SiloAddress.ToString())
        .Order(StringComparer.Ordinal));

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Listener} failed on the active-silos notice {Change}")]
    private static partial void LogListenerFailed(ILogger logger, string listener, ActiveSilosChange change, Exception error);
}
