using System.Collections.Concurrent;
using System.Threading.Channels;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Hosting;
using CommandGrid.Gateway.Observers;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace CommandGrid.Tests.Observers;

/// <summary>
/// The doors' one subscription type on fake time: what it calls, in which order, and when.
/// The grain side is a journal of calls; the clock moves only when a test advances it.
/// </summary>
public sealed class ObserverSubscriptionTests : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(30);

    // Guards a wait for a call that is due, so that a broken subscription fails the test instead of hanging it.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new();
    private readonly ClusterChangeSignal _clusterChanges = new();
    private readonly ApplicationLifetime _lifetime = new(NullLogger<ApplicationLifetime>.Instance);
    private readonly ConcurrentQueue<string> _journal = new();
    private readonly Channel<DateTimeOffset> _subscribed = Channel.CreateUnbounded<DateTimeOffset>();
    private readonly CapturedLogs _logs = new();
    private readonly LoggerFactory _loggers;
    private readonly ObserverSubscriptionFactory _factory;
    private volatile Exception? _subscribeFails;
    private volatile Exception? _unsubscribeFails;

    public ObserverSubscriptionTests()
    {
        _loggers = new LoggerFactory([_logs]);
        // No call timeout: a failed first subscribe is not retried, so no test waits on retry backoff.
        var retry = new GridRetry(Options.Create(new GridCallOptions { CallTimeout = TimeSpan.Zero }), _clock, NullLogger<GridRetry>.Instance);
        _factory = new ObserverSubscriptionFactory(RecordingGrainFactory.Create(_journal), retry, _clusterChanges, _clock, _lifetime,
            _loggers.CreateLogger<ObserverSubscription>());
    }

    public void Dispose() => _loggers.Dispose();

    [Fact]
    public async Task ObserverSubscription_SubscribesAtStartAndRenewsEachPeriod()
    {
        await using var subscription = Create();
        var started = _clock.GetUtcNow();
        await subscription.StartAsync();
        Assert.Equal(started, await NextSubscribeAsync());

        _clock.Advance(Period - TimeSpan.FromSeconds(1));
        Assert.False(_subscribed.Reader.TryRead(out _), "no renewal before the period is over");
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(started + Period, await NextSubscribeAsync());
        _clock.Advance(Period);
        Assert.Equal(started + 2 * Period, await NextSubscribeAsync());
    }

    [Fact]
    public async Task ObserverSubscription_RenewsOneToTwoSecondsAfterAClusterChangeAndAgainFiveSecondsLater()
    {
        await using var subscription = Create(renewEvery: TimeSpan.FromHours(1));
        await subscription.StartAsync();
        await NextSubscribeAsync();

        var changed = _clock.GetUtcNow();
        _clusterChanges.Raise();
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(_subscribed.Reader.TryRead(out _), "not renewed within the first second");
        // To the end of the jitter: the renewal is due somewhere in [1 s, 2 s).
        _clock.Advance(ObserverSubscription.FirstRenewalAfterChange + ObserverSubscription.ChangeJitter - TimeSpan.FromMilliseconds(999));
        var first = await NextSubscribeAsync();
        Assert.InRange(first, changed + ObserverSubscription.FirstRenewalAfterChange, changed + ObserverSubscription.FirstRenewalAfterChange + ObserverSubscription.ChangeJitter);

        _clock.Advance(ObserverSubscription.SecondRenewalAfterChange);
        Assert.Equal(first + ObserverSubscription.SecondRenewalAfterChange, await NextSubscribeAsync());
        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.False(_subscribed.Reader.TryRead(out _), "two renewals per change, then the period again");
    }

    [Fact]
    public async Task ObserverSubscription_DisposeUnsubscribesThenDeletesTheReferenceOnceNotificationsInFlightHadTheirTime()
    {
        var subscription = Create();
        await subscription.StartAsync();

        await subscription.DisposeAsync();
        Assert.Equal(["create reference", "subscribe", "unsubscribe"], _journal);
        _clock.Advance(ObserverSubscription.ReferenceGrace - TimeSpan.FromMilliseconds(1));
        Assert.Equal(["create reference", "subscribe", "unsubscribe"], _journal);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["create reference", "subscribe", "unsubscribe", "delete reference"], _journal);
    }

    [Fact]
    public async Task ObserverSubscription_DisposedOnceForAllAndNeverRenewedAgain()
    {
        var subscription = Create();
        await subscription.StartAsync();
        _clusterChanges.Raise();

        await subscription.DisposeAsync();
        await subscription.DisposeAsync();
        await subscription.StartAsync();
        _clock.Advance(10 * Period);
        _clusterChanges.Raise();
        _clock.Advance(10 * Period);

        Assert.Equal(["create reference", "subscribe", "unsubscribe", "delete reference"], _journal);
    }

    [Fact]
    public async Task ObserverSubscription_DeletesTheReferenceEvenWhenUnsubscribeFails()
    {
        var subscription = Create();
        await subscription.StartAsync();
        _unsubscribeFails = new TimeoutException("the grain's silo does not answer");

        await subscription.DisposeAsync();
        _clock.Advance(ObserverSubscription.ReferenceGrace);

        Assert.Equal(["create reference", "subscribe", "unsubscribe", "delete reference"], _journal);
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task ObserverSubscription_AnUnreachableGridIsWarnedOnceWithoutAStackAndRetriedEachPeriod()
    {
        await using var first = Create("device a");
        await using var second = Create("device b");
        await first.StartAsync();
        await second.StartAsync();
        _subscribeFails = new TimeoutException("no silo answers");

        _clock.Advance(Period);
        _clock.Advance(Period);
        var warnings = Warnings();
        var warning = Assert.Single(warnings);
        Assert.Null(warning.Exception);
        Assert.Contains("no silo answers", warning.Message);

        _subscribeFails = null;
        _clock.Advance(Period);
        _subscribeFails = new TimeoutException("no silo answers again");
        _clock.Advance(Period);

        // Two subscriptions × four periods, each retried once a period; one warning per outage and the other failure counted in the next.
        Assert.Equal(2 + 8, _journal.Count(e => e == "subscribe"));
        warnings = Warnings();
        Assert.Equal(2, warnings.Count);
        Assert.Equal(1, warnings[1].Fields["Held"]);
    }

    [Fact]
    public async Task ObserverSubscription_TryStartKeepsAFailedSubscriptionAndItsRenewalSubscribes()
    {
        await using var subscription = Create();
        _subscribeFails = new TimeoutException("no silo answers");

        Assert.False(await subscription.TryStartAsync());
        await Assert.ThrowsAsync<TimeoutException>(subscription.StartAsync);
        _subscribeFails = null;
        _clock.Advance(Period);

        Assert.Equal(3, _journal.Count(e => e == "subscribe"));
        Assert.Single(Warnings());
    }

    [Fact]
    public async Task ObserverSubscription_StopsRenewingWhenItsHostStopsAndThenOnlyDeletesTheReference()
    {
        var subscription = Create();
        await subscription.StartAsync();

        _lifetime.StopApplication();
        _clusterChanges.Raise();
        _clock.Advance(10 * Period);
        _lifetime.NotifyStopped();
        await subscription.DisposeAsync();

        Assert.Equal(["create reference", "subscribe", "delete reference"], _journal);
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task ObserverSubscription_AGridClientDisposedWithItsHostStopsItQuietly()
    {
        await using var subscription = Create();
        await subscription.StartAsync();
        _subscribeFails = new ObjectDisposedException("IServiceProvider");

        _clock.Advance(Period);
        _clock.Advance(10 * Period);
        _clusterChanges.Raise();
        _clock.Advance(10 * Period);

        Assert.Equal(2, _journal.Count(e => e == "subscribe"));
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    private ObserverSubscription Create(string target = "command 1", TimeSpan? renewEvery = null) =>
        _factory.Create<ICommandObserver>(target, new Observer(), _ => SubscribeAsync(), _ => UnsubscribeAsync(), renewEvery ?? Period);

    private Task SubscribeAsync()
    {
        _journal.Enqueue("subscribe");
        _subscribed.Writer.TryWrite(_clock.GetUtcNow());
        return _subscribeFails is { } failure ? Task.FromException(failure) : Task.CompletedTask;
    }

    private Task UnsubscribeAsync()
    {
        _journal.Enqueue("unsubscribe");
        return _unsubscribeFails is { } failure ? Task.FromException(failure) : Task.CompletedTask;
    }

    private async Task<DateTimeOffset> NextSubscribeAsync()
    {
        using var guard = new CancellationTokenSource(HangGuard);
        return await _subscribed.Reader.ReadAsync(guard.Token);
    }

    private List<CapturedLogEntry> Warnings() => [.. _logs.Entries.Where(e => e.Level == LogLevel.Warning)];

    private sealed class Observer : ICommandObserver
    {
        public Task CommandChanged(CommandRecord command) => Task.CompletedTask;
    }
}
