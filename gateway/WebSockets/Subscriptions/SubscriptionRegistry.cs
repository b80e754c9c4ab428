using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>The command subscriptions of one connection: ids, and leaving them all on close.</summary>
internal sealed class SubscriptionRegistry(ILogger logger)
{
    // Ids are unique in the process and hard to guess across restarts.
    private static long s_next = Random.Shared.NextInt64(1, 1L << 40);

    private readonly ConcurrentDictionary<long, CommandSubscription> _subscriptions = new();

    public static long NextId() => Interlocked.Increment(ref s_next);

    public int Count => _subscriptions.Count;

    public IReadOnlyList<CommandSubscription> All => [.. _subscriptions.Values.OrderBy(s => s.Id)];

    public void Add(CommandSubscription subscription) => _subscriptions[subscription.Id] = subscription;

    public async Task<bool> RemoveAsync(long id)
    {
        if (!_subscriptions.TryRemove(id, out var subscription))
        {
            return false;
        }
        await DetachAsync(subscription);
        return true;
    }

    public async Task RemoveAllAsync()
    {
        var all = _subscriptions.Values.ToArray();
        _subscriptions.Clear();
        await Task.WhenAll(all.Select(DetachAsync));
    }

    private async Task DetachAsync(CommandSubscription subscription)
    {
        try
        {
            await subscription.DetachAsync();
        }
        catch (Exception e)
        {
            // The grain drops the observer by itself when it is not renewed.
            logger.LogDebug(e, "Leaving subscription {SubscriptionId} failed", subscription.Id);
        }
    }
}
