using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Infrastructure;
using Orleans;
using Xunit;

namespace CommandGrid.Tests.Grains;

public sealed class CommandGrainTests
{
    private static long NewId() => Random.Shared.NextInt64(1L << 40, 1L << 50);

    private static CreateCommandRequest Request(string device, int lifetime = 60) =>
        new(device, "reboot", """{"delay":1}""", null, lifetime, null, null, UserId: 7);

    private static async Task<string> RegisterAsync(IGrainFactory grains)
    {
        var device = GridServer.NewId("grain");
        await grains.GetGrain<IDeviceGrain>(device).SaveAsync(new DeviceRegistration("test", null, null, null, null));
        return device;
    }

    [Fact]
    public async Task CommandGrain_CreateTwiceWithTheSameIdStoresOneExecution()
    {
        await using var cluster = await GrainCluster.StartAsync(await TestStorage.CreateAsync());
        var grains = cluster.Client;
        var device = await RegisterAsync(grains);
        var id = NewId();

        var first = await grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device), id);
        var again = await grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device) with { Command = "other" }, id);

        Assert.Equal(id, first.Id);
        Assert.Equal("reboot", again.Command);
        Assert.Equal(first.CreatedAt, again.CreatedAt);
        Assert.Equal([id], await grains.GetGrain<IDeviceGrain>(device).GetPendingAsync());
    }

    [Fact]
    public async Task CommandGrain_FinalStatusNeverChangesAndSurvivesReactivation()
    {
        await using var cluster = await GrainCluster.StartAsync(await TestStorage.CreateAsync());
        var grains = cluster.Client;
        var device = await RegisterAsync(grains);
        var id = NewId();
        await grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device), id);
        var command = grains.GetGrain<ICommandGrain>(id);

        var done = await command.UpdateAsync(new CommandUpdate("done", """{"ok":true}""", null, "test"));
        await Assert.ThrowsAsync<CommandFinalException>(() => command.UpdateAsync(new CommandUpdate("failed", null, null, "test")));
        await Assert.ThrowsAsync<CommandFinalException>(() => command.CancelAsync("test"));
        await Assert.ThrowsAsync<InvalidStatusTransitionException>(async () =>
        {
            var other = NewId();
            await grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device), other);
            await grains.GetGrain<ICommandGrain>(other).UpdateAsync(new CommandUpdate("TIMED_OUT", null, null, "test"));
        });

        await cluster.DeactivateAsync(command);
        var reloaded = await command.GetAsync();
        Assert.Equal(CommandStatus.Succeeded, done.Status);
        Assert.Equal(done with { History = reloaded!.History }, reloaded);
        Assert.Equal([CommandStatus.Pending, CommandStatus.Succeeded], reloaded.History.Select(h => h.Status));
    }

    [Fact]
    public async Task CommandGrain_TtlReminderTimesOutAnUnansweredCommand()
    {
        await using var cluster = await GrainCluster.StartAsync(await TestStorage.CreateAsync());
        var grains = cluster.Client;
        var device = await RegisterAsync(grains);
        var id = NewId();
        var created = await grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device, lifetime: 2), id);

        var waiter = new FinalWaiter();
        var reference = grains.CreateObjectReference<ICommandObserver>(waiter);
        await grains.GetGrain<ICommandGrain>(id).SubscribeAsync(reference);
        var final = await waiter.Final.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(CommandStatus.TimedOut, final.Status);
        Assert.Equal("ttl", final.History[^1].Source);
        Assert.True(final.LastUpdated >= created.ExpiresAt, $"timed out at {final.LastUpdated:O}, before its expiry {created.ExpiresAt:O}");
        Assert.Empty(await grains.GetGrain<IDeviceGrain>(device).GetPendingAsync());
    }

    [Fact]
    public async Task CommandGrain_TtlDueWhileTheSiloWasDownIsSweptAtStart()
    {
        var storage = await TestStorage.CreateAsync();
        var id = NewId();
        string device;
        DateTimeOffset expiresAt;
        await using (var first = await GrainCluster.StartAsync(storage))
        {
            device = await RegisterAsync(first.Client);
            expiresAt = (await first.Client.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device, lifetime: 2), id)).ExpiresAt;
            await first.StopAllSilosAsync();
        }
        await Eventually.TrueAsync(() => DateTimeOffset.UtcNow > expiresAt.AddSeconds(1), TimeSpan.FromSeconds(10), "the TTL has passed while no silo runs");

        await using var second = await GrainCluster.StartAsync(storage);
        var started = DateTimeOffset.UtcNow;
        CommandRecord? record = null;
        await Eventually.TrueAsync(async () =>
            (record = await second.Client.GetGrain<ICommandGrain>(id).GetAsync())?.Status == CommandStatus.TimedOut, TimeSpan.FromSeconds(30), "the overdue command is TIMED_OUT");
        // The reminder alone would come up to a period late; the start sweep does it at once.
        Assert.True(record!.LastUpdated - started < TimeSpan.FromSeconds(1), $"timed out {(record.LastUpdated - started).TotalMilliseconds:F0} ms after the silo started");
    }

    private sealed class FinalWaiter : ICommandObserver
    {
        private readonly TaskCompletionSource<CommandRecord> _final = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<CommandRecord> Final => _final.Task;

        public Task CommandChanged(CommandRecord command)
        {
            if (command.IsFinal)
            {
                _final.TrySetResult(command);
            }
            return Task.CompletedTask;
        }
    }
}
