using System.Collections.Concurrent;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Observers;

/// <summary>
/// Makes the doors' <see cref="ObserverSubscription"/>s and holds what they share with their host:
/// the grain factory that owns observer references, the grid clock, the cluster-change signal, the
/// host's lifetime (no renewal once it stops) and one rate limit for their warnings.
/// </summary>
public sealed class ObserverSubscriptionFactory
{
    /// <summary>At most one warning this often, however many subscriptions fail at once (a grid outage fails them all).</summary>
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly IGrainFactory _grains;
    private readonly IHostApplicationLifetime _lifetime;

    // The renewing subscriptions, told of a cluster change from here. A handler each on the signal's event cost every
    // new connection a copy of the whole invocation list: quadratic in the connections a gateway holds.
    private readonly ConcurrentDictionary<ObserverSubscription, byte> _renewing = new();

    public ObserverSubscriptionFactory(
        IGrainFactory grains,
        GridRetry retry,
        ClusterChangeSignal clusterChanges,
        TimeProvider clock,
        IHostApplicationLifetime lifetime,
        ILogger<ObserverSubscription> logger)
    {
        _grains = grains;
        Clock = clock;
        _lifetime = lifetime;
        Logger = logger;
        Retry = retry;
        Warnings = new(clock, WarningInterval);
        clusterChanges.Changed += OnClusterChanged;
    }

    internal GridRetry Retry { get; }

    internal TimeProvider Clock { get; }

    internal ILogger Logger { get; }

    internal WarningThrottle Warnings { get; }

    internal void Renewing(ObserverSubscription subscription) => _renewing.TryAdd(subscription, 0);

    internal void NotRenewing(ObserverSubscription subscription) => _renewing.TryRemove(subscription, out _);

    private void OnClusterChanged()
    {
        foreach (var subscription in _renewing.Keys)
        {
            subscription.OnClusterChanged();
        }
    }

    /// <summary>Once the host stops, subscriptions stop renewing.</summary>
    internal CancellationToken HostStopping => _lifetime.ApplicationStopping;

    /// <summary>Once the host has stopped, its grid client is gone: disposal only deletes the reference.</summary>
    internal bool HostStopped => _lifetime.ApplicationStopped.IsCancellationRequested;

    /// <summary>
    /// A subscription of <paramref name="observer"/> through a new observer reference. Nothing is
    /// called yet: <see cref="ObserverSubscription.StartAsync"/> subscribes and starts the renewals.
    /// </summary>
    /// <param name="target">What it is subscribed to, for logs (e.g. "device thermo-1").</param>
    /// <param name="subscribe">Subscribes or renews the reference; safe to repeat.</param>
    /// <param name="unsubscribe">Makes the grain forget the reference.</param>
    /// <param name="renewEvery">The door's renewal period, well under the grains' observer expiry.</param>
    public ObserverSubscription Create<TObserver>(string target, TObserver observer, Func<TObserver, Task> subscribe, Func<TObserver, Task> unsubscribe, TimeSpan renewEvery)
        where TObserver : class, IGrainObserver
    {
        var reference = _grains.CreateObjectReference<TObserver>(observer);
        return new ObserverSubscription(this, target, observer, () => subscribe(reference), () => unsubscribe(reference),
            () => _grains.DeleteObjectReference<TObserver>(reference), renewEvery);
    }
}
