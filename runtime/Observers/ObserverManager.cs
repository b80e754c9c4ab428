using CommandGrid.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Runtime.Observers;

/// <summary>
/// A grain's list of subscribers, each with an expiry the subscriber must renew. A lost
/// gateway's observers fall off by themselves; nothing a subscriber does escapes Notify.
/// </summary>
public sealed class ObserverManager<TObserver> where TObserver : class, IGrainObserver
{
    private readonly Dictionary<GrainId, Subscription> _subscriptions = [];
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public ObserverManager(TimeSpan expiration, ILogger logger, TimeProvider? clock = null)
    {
        Expiration = expiration;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
    }

    public TimeSpan Expiration { get; set; }

    public int Count => _subscriptions.Count;

    public IEnumerable<TObserver> Observers => _subscriptions.Values.Select(s => s.Observer);

    /// <summary>Adds or renews a subscription; <paramref name="tag"/> is any per-subscription data the grain wants back in Notify.</summary>
    public void Subscribe(TObserver observer, object? tag = null)
    {
        var id = IdOf(observer);
        _subscriptions[id] = new Subscription(observer, _clock.GetUtcNow(), tag);
    }

    public bool Unsubscribe(TObserver observer) => _subscriptions.Remove(IdOf(observer));

    public bool IsSubscribed(TObserver observer) => _subscriptions.ContainsKey(IdOf(observer));

    /// <summary>Drops expired subscriptions, then calls <paramref name="notification"/> for each live one whose tag passes <paramref name="predicate"/>.</summary>
    public void Notify(Action<TObserver> notification, Func<TObserver, object?, bool>? predicate = null)
    {
        ClearExpired();
        foreach (var (id, subscription) in _subscriptions.ToArray())
        {
            if (predicate is not null && !predicate(subscription.Observer, subscription.Tag))
            {
                continue;
            }
            try
            {
                notification(subscription.Observer);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Notifying observer {Observer} failed; it stays subscribed until it expires", id);
            }
        }
    }

    public void ClearExpired()
    {
        var cutoff = _clock.GetUtcNow() - Expiration;
        foreach (var (id, subscription) in _subscriptions.ToArray())
        {
            if (subscription.LastRenewed < cutoff)
            {
                _subscriptions.Remove(id);
                _logger.LogDebug("Observer {Observer} expired", id);
            }
        }
    }

    public void Clear() => _subscriptions.Clear();

    private static GrainId IdOf(TObserver observer) =>
        observer is IGrainReference reference
            ? reference.ReferenceId
            : throw new ArgumentException("Subscribe observer references, not local objects.", nameof(observer));

    private sealed record Subscription(TObserver Observer, DateTimeOffset LastRenewed, object? Tag);
}
