using CommandGrid.Runtime;
using CommandGrid.Runtime.Observers;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace CommandGrid.Tests.Runtime;

public sealed class ObserverManagerTests
{
    [Fact]
    public async Task ObserverManager_DropsSubscriptionsThatAreNotRenewed()
    {
        await using var host = await RuntimeHost.StartAsync();
        var clock = new ManualClock();
        var manager = new ObserverManager<INewsObserver>(TimeSpan.FromSeconds(60), NullLogger.Instance, clock);
        var renewed = host.Grains.CreateObjectReference<INewsObserver>(new Silent());
        var forgotten = host.Grains.CreateObjectReference<INewsObserver>(new Silent());
        manager.Subscribe(renewed);
        manager.Subscribe(forgotten);

        clock.Advance(TimeSpan.FromSeconds(40));
        manager.Subscribe(renewed);
        clock.Advance(TimeSpan.FromSeconds(30));
        var notified = new List<INewsObserver>();
        manager.Notify(notified.Add);

        Assert.Equal([renewed], notified);
        Assert.Equal(1, manager.Count);
    }

    [Fact]
    public async Task ObserverManager_NothingAnObserverThrowsEscapesNotify()
    {
        await using var host = await RuntimeHost.StartAsync();
        var manager = new ObserverManager<INewsObserver>(TimeSpan.FromSeconds(60), NullLogger.Instance);
        var first = host.Grains.CreateObjectReference<INewsObserver>(new Silent());
        var second = host.Grains.CreateObjectReference<INewsObserver>(new Silent());
        manager.Subscribe(first);
        manager.Subscribe(second);
        var reached = 0;

        manager.Notify(_ =>
        {
            reached++;
            throw new InvalidOperationException("subscriber failure");
        });

        Assert.Equal(2, reached);
        Assert.Equal(2, manager.Count);
    }

    [Fact]
    public void ObserverManager_RefusesLocalObjects()
    {
        var manager = new ObserverManager<INewsObserver>(TimeSpan.FromSeconds(60), NullLogger.Instance);

        Assert.Throws<ArgumentException>(() => manager.Subscribe(new Silent()));
    }

    private sealed class Silent : INewsObserver
    {
        public Task News(string text) => Task.CompletedTask;
    }
}
