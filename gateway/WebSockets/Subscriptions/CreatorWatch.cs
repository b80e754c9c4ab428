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
        }
        await Task.WhenAll(all.Select(w => w.Subscription.DisposeAsync().AsTask()));
    }

    private void Handle(CommandRecord command)
    {
        ObserverSubscription? ended = null;
        lock (_gate)
        {
            if (!_watched.TryGetValue(command.Id, out var watched) || command.LastUpdated < watched.Last.LastUpdated || SameState(watched.Last, command))
            {
                return;
            }
            var last = watched.Last;
            _watched[command.Id] = watched with { Last = command };
            // Being handed to the device (PENDING → SENT) is no processing news for the creator.
            var deliveredOnly = last.Status == CommandStatus.Pending && command.Status == CommandStatus.Sent
                && last.DeviceStatus == command.DeviceStatus && last.ResultJson == command.ResultJson;
            if (command.IsFinal)
            {
                _watched.Remove(command.Id);
                ended = watched.Subscription;
            }
            if (!deliveredOnly)
            {
                session.Push(DeviceHiveJson.Push("command/update", command, subscriptionId: null));
            }
        }
        if (ended is not null)
        {
            // A final command never changes again.
            _ = ended.DisposeAsync().AsTask();
        }
    }

    private static bool SameState(CommandRecord a, CommandRecord b) =>
        a.LastUpdated == b.LastUpdated && a.Status == b.Status && a.DeviceStatus == b.DeviceStatus && a.ResultJson == b.ResultJson;

    private sealed record Watched(CommandRecord Last, ObserverSubscription Subscription);
}
