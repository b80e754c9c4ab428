using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Observers;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>
/// DeviceHive: command/update goes to the connection that created the command, and to no other
/// (not another user's, not another connection of the same user). This observer watches the
/// commands inserted on its connection until they are final, one subscription per command.
/// </summary>
internal sealed class CreatorWatch(WsSession session, CommandService commands) : ICommandObserver
{
    // How long a change that arrived ahead of one in between waits for it before it is pushed anyway.
    private static readonly TimeSpan ReorderWait = TimeSpan.FromMilliseconds(500);

    private readonly object _gate = new();
    private readonly Dictionary<long, Watched> _watched = [];
    private bool _stopped;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _watched.Count;
            }
        }
    }

    /// <summary>Starts watching a command this connection created (call after its insert reply is queued).</summary>
    public async Task WatchAsync(CommandRecord created)
    {
        var subscription = commands.Watch(created.Id, this, session.RenewEvery);
        bool watching;
        lock (_gate)
        {
            watching = !_stopped;
            if (watching)
            {
                _watched[created.Id] = new Watched(created, subscription);
            }
        }
        if (!watching)
        {
            await subscription.DisposeAsync();
            return;
        }
        // If this fails the subscription stays, and its renewals retry.
        await subscription.StartAsync();
        // A device may have answered before the subscription was in place: catch up once.
        if (await commands.GetAsync(created.Id) is { } current)
        {
            Handle(current);
        }
    }

    public Task CommandChanged(CommandRecord command)
    {
        Handle(command);
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        Watched[] all;
        lock (_gate)
        {
            _stopped = true;
            all = [.. _watched.Values];
            _watched.Clear();
            foreach (var watched in all)
            {
                watched.AheadTimer?.Dispose();
            }
        }
        await Task.WhenAll(all.Select(w => w.Subscription.DisposeAsync().AsTask()));
    }

    private void Handle(CommandRecord command)
    {
        ObserverSubscription? ended = null;
        lock (_gate)
        {
            if (!_watched.TryGetValue(command.Id, out var watched) || IsStale(watched.Last, command))
            {
                return;
            }
            if (command.History.Length > watched.Last.History.Length + 1)
            {
                // Orleans keeps no order among one-way notifications: a change in between may still be on its way.
                // Hold this one (the newest held wins) until it arrives, or for ReorderWait at most.
                var ahead = watched.Ahead is { } held && IsStale(held, command) ? held : command;
                var timer = watched.AheadTimer ?? session.Clock.CreateTimer(static s => ((Flush)s!).Run(), new Flush(this, command.Id), ReorderWait, Timeout.InfiniteTimeSpan);
                _watched[command.Id] = watched with { Ahead = ahead, AheadTimer = timer };
                return;
            }
            ended = Accept(watched, command);
        }
        ended?.ForgottenAsync().AsTask();
    }

    private void FlushAhead(long id)
    {
        ObserverSubscription? ended = null;
        lock (_gate)
        {
            if (_watched.TryGetValue(id, out var watched) && watched.Ahead is { } ahead)
            {
                ended = Accept(watched, ahead);
            }
        }
        ended?.ForgottenAsync().AsTask();
    }

    // Pushes one change to the creator; then a held change that is now next (or overdue) follows. Returns the
    // subscription to end once the command is final (a final command never changes again, and has dropped it).
    private ObserverSubscription? Accept(Watched watched, CommandRecord command)
    {
        var last = watched.Last;
        var ahead = watched.Ahead is { } held && !IsStale(command, held) ? held : null;
        if (ahead is null)
        {
            watched.AheadTimer?.Dispose();
        }
        watched = watched with { Last = command, Ahead = ahead, AheadTimer = ahead is null ? null : watched.AheadTimer };
        _watched[command.Id] = watched;
        // Being handed to the device (PENDING → SENT) is no processing news for the creator.
        var deliveredOnly = last.Status == CommandStatus.Pending && command.Status == CommandStatus.Sent
            && last.DeviceStatus == command.DeviceStatus && last.ResultJson == command.ResultJson;
        if (!deliveredOnly)
        {
            session.Push(DeviceHiveJson.Push("command/update", command, subscriptionId: null));
        }
        if (command.IsFinal)
        {
            watched.AheadTimer?.Dispose();
            _watched.Remove(command.Id);
            return watched.Subscription;
        }
        return ahead is not null && ahead.History.Length <= command.History.Length + 1 ? Accept(watched, ahead) : null;
    }

    // Older than, or the same as, what the creator was last told.
    private static bool IsStale(CommandRecord last, CommandRecord command) =>
        command.LastUpdated < last.LastUpdated || command.History.Length < last.History.Length || SameState(last, command);

    private static bool SameState(CommandRecord a, CommandRecord b) =>
        a.LastUpdated == b.LastUpdated && a.Status == b.Status && a.DeviceStatus == b.DeviceStatus && a.ResultJson == b.ResultJson;

    private sealed record Watched(CommandRecord Last, ObserverSubscription Subscription, CommandRecord? Ahead = null, ITimer? AheadTimer = null);

    private sealed record Flush(CreatorWatch Watch, long Id)
    {
        public void Run() => Watch.FlushAhead(Id);
    }
}
