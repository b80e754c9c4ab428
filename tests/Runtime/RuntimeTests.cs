using CommandGrid.Runtime;
using CommandGrid.Runtime.Hosting;
using CommandGrid.Tests.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Runtime;

public sealed class RuntimeTests
{
    [Fact]
    public async Task Activation_RunsOneTurnAtATimeUnderConcurrentCallers()
    {
        await using var host = await RuntimeHost.StartAsync();
        var counter = host.Grains.GetGrain<ICounterGrain>(GridServer.NewId("counter"));

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => counter.IncrementAsync())));

        Assert.Equal(100, await counter.GetAsync());
        Assert.Equal(Enumerable.Range(1, 100), results.Order());
        Assert.Equal(1, await counter.MaxConcurrencyAsync());
    }

    [Fact]
    public async Task Activation_ExistsOncePerGrainAndReloadsStateAfterDeactivation()
    {
        var log = new ActivationLog();
        await using var host = await RuntimeHost.StartAsync(activations: log);
        var key = GridServer.NewId("counter");
        var counter = host.Grains.GetGrain<ICounterGrain>(key);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => counter.IncrementAsync()));
        Assert.Equal(1, log.Count($"activate counter/{key}"));

        await counter.DeactivateAsync();
        await Eventually.TrueAsync(() => log.Count($"deactivate counter/{key}") == 1, TimeSpan.FromSeconds(5), "the grain deactivated");
        Assert.Equal(21, await counter.IncrementAsync());
        Assert.Equal(2, log.Count($"activate counter/{key}"));
    }

    [Fact]
    public async Task Activation_IdleOnesAreCollected()
    {
        var log = new ActivationLog();
        await using var host = await RuntimeHost.StartAsync(activations: log, runtime: new Dictionary<string, string?>
        {
            ["IdleTimeout"] = "00:00:00.300",
            ["CollectionInterval"] = "00:00:00.100",
        });
        var key = GridServer.NewId("counter");
        await host.Grains.GetGrain<ICounterGrain>(key).IncrementAsync();

        await Eventually.TrueAsync(() => log.Count($"deactivate counter/{key}") == 1, TimeSpan.FromSeconds(5), "the idle grain was collected");
        Assert.False(host.Service<Catalog>().IsActive(new GrainId("counter", key)));
    }

    [Fact]
    public async Task Call_CycleBetweenGrainsFailsWithDeadlockInsteadOfHanging()
    {
        await using var host = await RuntimeHost.StartAsync(runtime: new Dictionary<string, string?> { ["CallTimeout"] = "00:00:20" });
        var a = host.Grains.GetGrain<IPingGrain>(GridServer.NewId("a"));

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<DeadlockException>(() => a.PingAsync(GridServer.NewId("b"), depth: 2));

        Assert.Contains("ping/", error.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "the cycle was detected, not timed out");
    }

    [Fact]
    public async Task Call_ChainWithoutCycleSucceeds()
    {
        await using var host = await RuntimeHost.StartAsync();
        var b = GridServer.NewId("b");

        Assert.Equal(b, await host.Grains.GetGrain<IPingGrain>(GridServer.NewId("a")).PingAsync(b, depth: 1));
    }

    [Fact]
    public async Task Call_WithoutAnswerTimesOutWithClearError()
    {
        await using var host = await RuntimeHost.StartAsync(runtime: new Dictionary<string, string?> { ["CallTimeout"] = "00:00:00.300" });
        var counter = host.Grains.GetGrain<ICounterGrain>(GridServer.NewId("counter"));

        var error = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => counter.SlowAsync(3000));

        Assert.Contains("SlowAsync", error.Message);
        Assert.Contains("0.3 s", error.Message);
    }

    [Fact]
    public async Task Observer_ReceivesNotificationsInOrder()
    {
        await using var host = await RuntimeHost.StartAsync();
        var news = host.Grains.GetGrain<INewsGrain>(GridServer.NewId("news"));
        var received = new List<string>();
        var done = new TaskCompletionSource();
        var reference = host.Grains.CreateObjectReference<INewsObserver>(new NewsListener(text =>
        {
            lock (received)
            {
                received.Add(text);
                if (received.Count == 50)
                {
                    done.TrySetResult();
                }
            }
        }));

        await news.SubscribeAsync(reference);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(1, await news.PublishAsync($"n{i}"));
        }

        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"n{i}"), received);
    }

    private sealed class NewsListener(Action<string> onNews) : INewsObserver
    {
        public Task News(string text)
        {
            onNews(text);
            return Task.CompletedTask;
        }
    }
}
