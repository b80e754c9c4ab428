using CommandGrid.Runtime;
using CommandGrid.Runtime.Reminders;
using CommandGrid.Tests.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Runtime;

[Collection(TimingCollection.Name)]
public sealed class ReminderTests
{
    private static readonly TimeSpan Precision = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task Reminder_OneShotFiresWithin100msOfDueTimeAndIsRemoved()
    {
        var log = new ReminderLog();
        await using var host = await RuntimeHost.StartAsync(reminders: log);
        var key = GridServer.NewId("alarm");

        await host.Grains.GetGrain<IAlarmGrain>(key).SetAsync("once", TimeSpan.FromMilliseconds(700), TimeSpan.Zero);

        await Eventually.TrueAsync(() => log.For(key, "once").Count == 1, TimeSpan.FromSeconds(5), "the reminder fired");
        var tick = log.For(key, "once")[0];
        Assert.InRange(tick.FiredAt - tick.DueAt, TimeSpan.Zero, Precision);
        await Eventually.TrueAsync(async () => await host.Service<IReminderTable>().ReadAsync(new GrainId("alarm", key), "once") is null,
            TimeSpan.FromSeconds(5), "the one-shot reminder left the table");
    }

    [Fact]
    public async Task Reminder_PeriodicFiresRepeatedlyUntilUnregistered()
    {
        var log = new ReminderLog();
        await using var host = await RuntimeHost.StartAsync(reminders: log);
        var key = GridServer.NewId("alarm");
        var alarm = host.Grains.GetGrain<IAlarmGrain>(key);

        await alarm.SetAsync("tick", TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));
        await Eventually.TrueAsync(() => log.For(key, "tick").Count >= 3, TimeSpan.FromSeconds(10), "three ticks arrived");
        await alarm.CancelAsync("tick");
        var ticks = log.For(key, "tick");

        Assert.All(ticks, t => Assert.InRange(t.FiredAt - t.DueAt, TimeSpan.Zero, Precision));
        Assert.Null(await host.Service<IReminderTable>().ReadAsync(new GrainId("alarm", key), "tick"));
    }

    [Fact]
    public async Task Reminder_DueWhileSiloWasDownFiresRightAfterRestart()
    {
        var key = GridServer.NewId("alarm");
        TestStorage storage;
        var firstLog = new ReminderLog();
        DateTimeOffset due;
        await using (var first = await RuntimeHost.StartAsync(reminders: firstLog))
        {
            storage = first.Storage;
            await first.Grains.GetGrain<IAlarmGrain>(key).SetAsync("wake", TimeSpan.FromSeconds(1), TimeSpan.Zero);
            due = (await first.Service<IReminderTable>().ReadAsync(new GrainId("alarm", key), "wake"))!.DueAt;
        }
        Assert.Empty(firstLog.For(key, "wake"));
        await Eventually.TrueAsync(() => DateTimeOffset.UtcNow > due + TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5), "the due time passed while down");

        var secondLog = new ReminderLog();
        var restartedAt = DateTimeOffset.UtcNow;
        await using var second = await RuntimeHost.StartAsync(storage, reminders: secondLog);

        await Eventually.TrueAsync(() => secondLog.For(key, "wake").Count == 1, TimeSpan.FromSeconds(5), "the overdue reminder fired after restart");
        var tick = secondLog.For(key, "wake")[0];
        Assert.Equal(due, tick.DueAt);
        Assert.InRange(tick.FiredAt - restartedAt, TimeSpan.Zero, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Reminder_ReRegisteringReplacesTheDueTime()
    {
        var log = new ReminderLog();
        await using var host = await RuntimeHost.StartAsync(reminders: log);
        var key = GridServer.NewId("alarm");
        var alarm = host.Grains.GetGrain<IAlarmGrain>(key);

        var registeredAt = DateTimeOffset.UtcNow;
        await alarm.SetAsync("moved", TimeSpan.FromMilliseconds(300), TimeSpan.Zero);
        await alarm.SetAsync("moved", TimeSpan.FromMilliseconds(900), TimeSpan.Zero);
        await alarm.SetAsync("marker", TimeSpan.FromMilliseconds(1300), TimeSpan.Zero);
        await Eventually.TrueAsync(() => log.For(key, "marker").Count == 1, TimeSpan.FromSeconds(5), "the later marker reminder fired");

        var tick = Assert.Single(log.For(key, "moved"));
        Assert.True(tick.DueAt - registeredAt >= TimeSpan.FromMilliseconds(850), "the replaced due time was used");
    }
}
