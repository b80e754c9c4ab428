using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>
/// Seed 000: command/update goes to the connection that created the command, and to no other
/// (not another user's, not another connection of the same user). One observer per connection
/// watches the commands inserted on it until they are final.
/// </summary>
internal sealed class CreatorWatch(WsSession session, ILogger logger) : ICommandObserver
{
    private readonly object _gate = new();
    private readonly Dictionary<long, CommandRecord> _watched = [];
    private ICommandObserver? _reference;

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
        ICommandObserver reference;
        lock (_gate)
        {
            _reference ??= session.Grains.CreateObjectReference<ICommandObserver>(this);
            reference = _reference;
            _watched[created.Id] = created;
        }
        var grain = session.Grains.GetGrain<ICommandGrain>(created.Id);
        await grain.SubscribeAsync(reference);
        // A device may have answered before the subscription was in place: catch up once.
        if (await grain.GetAsync() is { } current)
        {
            Handle(current);
        }
    }

    public Task CommandChanged(CommandRecord command)
    {
        Handle(command);
        return Task.CompletedTask;
    }

    public async Task RenewAsync()
    {
        ICommandObserver? reference;
        long[] ids;
        lock (_gate)
        {
            reference = _reference;
            ids = [.. _watched.Keys];
        }
        if (reference is null)
        {
            return;
        }
        foreach (var id in ids)
        {
            try
            {
                await session.Grains.GetGrain<ICommandGrain>(id).SubscribeAsync(reference);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Renewing the watch of command {CommandId} failed", id);
            }
        }
    }

    public async Task StopAsync()
    {
        ICommandObserver? reference;
        long[] ids;
        lock (_gate)
        {
            reference = _reference;
            ids = [.. _watched.Keys];
            _watched.Clear();
            _reference = null;
        }
        if (reference is null)
        {
            return;
        }
        try
        {
            await Task.WhenAll(ids.Select(id => session.Grains.GetGrain<ICommandGrain>(id).UnsubscribeAsync(reference)));
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Leaving watched commands failed; they drop the observer when it expires");
        }
        finally
        {
            session.Grains.DeleteObjectReference<ICommandObserver>(reference);
        }
    }

    private void Handle(CommandRecord command)
    {
        bool final;
        lock (_gate)
        {
            if (!_watched.TryGetValue(command.Id, out var last) || command.LastUpdated < last.LastUpdated || SameState(last, command))
            {
                return;
            }
            _watched[command.Id] = command;
            // Being handed to the device (PENDING → SENT) is no processing news for the creator.
            var deliveredOnly = last.Status == CommandStatus.Pending && command.Status == CommandStatus.Sent
                && last.DeviceStatus == command.DeviceStatus && last.ResultJson == command.ResultJson;
            final = command.IsFinal;
            if (final)
            {
                _watched.Remove(command.Id);
            }
            if (!deliveredOnly)
            {
                session.Push(DeviceHiveJson.Push("command/update", command, subscriptionId: null));
            }
        }
        if (final && _reference is { } reference)
        {
            _ = UnsubscribeAsync(command.Id, reference);
        }
    }

    private async Task UnsubscribeAsync(long id, ICommandObserver reference)
    {
        try
        {
            await session.Grains.GetGrain<ICommandGrain>(id).UnsubscribeAsync(reference);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Leaving command {CommandId} failed", id);
        }
    }

    private static bool SameState(CommandRecord a, CommandRecord b) =>
        a.LastUpdated == b.LastUpdated && a.Status == b.Status && a.DeviceStatus == b.DeviceStatus && a.ResultJson == b.ResultJson;
}
