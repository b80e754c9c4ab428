using CommandGrid.Gateway.Commands;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Observers;

/// <summary>
/// Keeps one observer reference subscribed, as Orleans' observers are meant to be used: a grain
/// holds its observers in memory and lets them expire, so the subscriber renews — every period,
/// and soon after the cluster lost or gained a silo, since a grain reactivated elsewhere has
/// forgotten it. Disposing unsubscribes, then deletes the reference (<see cref="ReferenceGrace"/>
/// later). Made by <see cref="ObserverSubscriptionFactory"/>; the door that owns it disposes it.
/// </summary>
public sealed partial class ObserverSubscription : IAsyncDisposable
{
    /// <summary>
    /// After a cluster change: once 1–2 s later (the jitter spreads the renewals of many
    /// connections), and again 5 s after that, because survivors drop activations whose directory
    /// entries lived on a dead silo a little after the death is declared, which can undo the first renewal.
    /// </summary>
    public static readonly TimeSpan FirstRenewalAfterChange = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan ChangeJitter = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan SecondRenewalAfterChange = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the reference outlives the unsubscribe. Notifications the grain sent before it forgot
    /// the observer may still wait in the client's queue when the unsubscribe's reply (which overtakes
    /// them) arrives; they find the observer instead of becoming errors in Orleans' log.
    /// </summary>
    public static readonly TimeSpan ReferenceGrace = TimeSpan.FromSeconds(5);

    private readonly ObserverSubscriptionFactory _host;
    private readonly Func<Task> _subscribe;
    private readonly Func<Task> _unsubscribe;
    private readonly Action _deleteReference;
    private readonly TimeSpan _renewEvery;

    // One grain call at a time, so a renewal never overtakes the unsubscribe of the disposal.
    private readonly SemaphoreSlim _calls = new(1, 1);

    // Cancelled once no renewal may start: disposed, or the host stops. (Never disposed: it owns no timer or wait handle.)
    private readonly CancellationTokenSource _stopped = new();
    private readonly CancellationTokenRegistration _onHostStopping;
    private readonly object _arming = new();
    private ITimer? _timer;
    private ITimer? _deletion;
    private bool _armed;
    private bool _subscribed;
    private bool _failing;
    private int _disposed;

    internal ObserverSubscription(ObserverSubscriptionFactory host, string target, object observer, Func<Task> subscribe, Func<Task> unsubscribe, Action deleteReference, TimeSpan renewEvery)
    {
        _host = host;
        Target = target;
        Observer = observer;
        _subscribe = subscribe;
        _unsubscribe = unsubscribe;
        _deleteReference = deleteReference;
        _renewEvery = renewEvery;
        _onHostStopping = host.HostStopping.Register(static s => ((ObserverSubscription)s!).Disarm(), this);
    }

    /// <summary>What it is subscribed to, as logs name it.</summary>
    public string Target { get; }

    /// <summary>Held here because Orleans holds the object behind a reference only weakly.</summary>
    internal object Observer { get; }

    /// <summary>
    /// Subscribes now (retried while the grid is unreachable, for Runtime:CallTimeout) and, on the
    /// first call, starts the renewals. A later call subscribes again at once. If it throws, the
    /// renewals are on all the same: keep the subscription and they retry, or dispose it.
    /// Nothing happens once the subscription is disposed or its host stops.
    /// </summary>
    public Task StartAsync()
    {
        Arm();
        return SubscribeNowAsync(retried: true, rethrow: true);
    }

    /// <summary>As <see cref="StartAsync"/>, for an owner that keeps the subscription when the grid cannot be reached: the failure is logged as a failed renewal's, and the renewals retry.</summary>
    /// <returns>Whether it is subscribed now.</returns>
    public Task<bool> TryStartAsync()
    {
        Arm();
        return SubscribeNowAsync(retried: true, rethrow: false);
    }

    public ValueTask DisposeAsync() => EndAsync(unsubscribe: true);

    /// <summary>
    /// Ends a subscription its grain has dropped by itself (a final execution keeps no subscribers): the
    /// renewals stop and the reference goes, with no call to the grain, which would only bring it back.
    /// </summary>
    public ValueTask ForgottenAsync() => EndAsync(unsubscribe: false);

    private async ValueTask EndAsync(bool unsubscribe)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        Disarm();
        _onHostStopping.Dispose();
        await _calls.WaitAsync().ConfigureAwait(false);
        try
        {
            // Once the host has stopped there is no grid client to call; the grain lets the subscription expire.
            if (unsubscribe && _subscribed && !_host.HostStopped)
            {
                await _unsubscribe().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            LogUnsubscribeFailed(_host.Logger, Target, e.GetType().Name, e.Message);
        }
        finally
        {
            _calls.Release();
            if (_host.HostStopped || !_subscribed)
            {
                DeleteReference();
            }
            else
            {
                _deletion = _host.Clock.CreateTimer(static s => ((ObserverSubscription)s!).DeleteReference(), this, ReferenceGrace, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void DeleteReference()
    {
        _deletion?.Dispose();
        try
        {
            _deleteReference();
        }
        catch (ObjectDisposedException)
        {
            // The grid client went with its host, and the reference with it.
        }
    }

    private void Arm()
    {
        lock (_arming)
        {
            if (_armed || _stopped.IsCancellationRequested)
            {
                return;
            }
            _armed = true;
            _timer = _host.Clock.CreateTimer(static s => _ = ((ObserverSubscription)s!).RenewAsync(), this, _renewEvery, _renewEvery);
            _host.Renewing(this);
        }
    }

    private void Disarm()
    {
        lock (_arming)
        {
            if (_armed)
            {
                _host.NotRenewing(this);
                _timer!.Dispose();
                _armed = false;
            }
        }
        _stopped.Cancel();
    }

    internal void OnClusterChanged() => _ = RenewAfterClusterChangeAsync();

    private async Task RenewAfterClusterChangeAsync()
    {
        try
        {
            var jitter = TimeSpan.FromTicks(Random.Shared.NextInt64(ChangeJitter.Ticks));
            // Both timers start now, so the second is due SecondRenewalAfterChange after the first whatever the
            // first renewal costs, and is set on the clock before anything has been renewed.
            var first = Task.Delay(FirstRenewalAfterChange + jitter, _host.Clock, _stopped.Token);
            var second = Task.Delay(FirstRenewalAfterChange + jitter + SecondRenewalAfterChange, _host.Clock, _stopped.Token);
            await first.ConfigureAwait(false);
            await RenewAsync().ConfigureAwait(false);
            await second.ConfigureAwait(false);
            await RenewAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A renewal is not retried: the next period is its retry, so an outage costs one call per subscription per period.</summary>
    private Task<bool> RenewAsync() => SubscribeNowAsync(retried: false, rethrow: false);

    private async Task<bool> SubscribeNowAsync(bool retried, bool rethrow)
    {
        if (_stopped.IsCancellationRequested)
        {
            return false;
        }
        await _calls.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped.IsCancellationRequested)
            {
                return false;
            }
            _subscribed = true;
            if (retried)
            {
                await _host.Retry.RunAsync(async () =>
                {
                    await _subscribe().ConfigureAwait(false);
                    return true;
                }).ConfigureAwait(false);
            }
            else
            {
                await _subscribe().ConfigureAwait(false);
            }
            if (_failing)
            {
                _failing = false;
                LogSubscribedAgain(_host.Logger, Target);
            }
            return true;
        }
        catch (Exception e) when (!rethrow)
        {
            Failed(e);
            return false;
        }
        finally
        {
            _calls.Release();
        }
    }

    private void Failed(Exception e)
    {
        if (e is ObjectDisposedException || _host.HostStopping.IsCancellationRequested)
        {
            // The host is stopping or gone: no failure of the grid, and nothing left to renew for.
            LogStoppedWithHost(_host.Logger, Target, e.GetType().Name);
            Disarm();
            return;
        }
        if (_failing)
        {
            LogStillFailing(_host.Logger, Target, e.GetType().Name, e.Message);
            return;
        }
        _failing = true;
        if (!_host.Warnings.TryTake(out var held))
        {
            LogStillFailing(_host.Logger, Target, e.GetType().Name, e.Message);
            return;
        }
        if (GridRetry.IsUnavailable(e))
        {
            LogUnavailable(_host.Logger, Target, e.GetType().Name, e.Message, _renewEvery.TotalSeconds, held);
        }
        else
        {
            LogFailed(_host.Logger, e, Target, _renewEvery.TotalSeconds, held);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to {Target} failed, the grid is unreachable ({Error}: {Reason}); retrying every {RenewSeconds} s. Since the last such warning {Held} more subscriptions failed")]
    private static partial void LogUnavailable(ILogger logger, string target, string error, string reason, double renewSeconds, int held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to {Target} failed; retrying every {RenewSeconds} s. Since the last such warning {Held} more subscriptions failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string target, double renewSeconds, int held);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscribing to {Target} failed again ({Error}: {Reason})")]
    private static partial void LogStillFailing(ILogger logger, string target, string error, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscribed to {Target} again")]
    private static partial void LogSubscribedAgain(ILogger logger, string target);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The subscription to {Target} stopped with its host ({Error})")]
    private static partial void LogStoppedWithHost(ILogger logger, string target, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Unsubscribing from {Target} failed ({Error}: {Reason}); the grain lets the subscription expire")]
    private static partial void LogUnsubscribeFailed(ILogger logger, string target, string error, string reason);
}
