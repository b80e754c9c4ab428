using CommandGrid.Grains.Cluster;
using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Providers;
using Orleans.Storage;
using Xunit;
using static CommandGrid.Tests.Grains.GrainTestKit;

namespace CommandGrid.Tests.Grains;

[Collection(GrainClusterCollection.Name)]
public sealed class OverdueSweepTests(GrainClusterFixture cluster)
{
    /// <summary>
    /// Commands stored as a silo that died would have left them: in storage, with no reminder that will
    /// fire (written straight to the grain storage, so no grain registered one).
    /// </summary>
    private async Task<long> StoreWithoutReminderAsync(string device, string status, int lifetimeSeconds)
    {
        var id = NewCommandId();
        var now = cluster.Clock.GetUtcNow();
        var state = new CommandState
        {
            Id = id, DeviceId = device, Command = "reboot", Status = status, Lifetime = lifetimeSeconds,
            TimestampMs = now.ToUnixTimeMilliseconds(), CreatedAtMs = now.ToUnixTimeMilliseconds(), LastUpdatedMs = now.ToUnixTimeMilliseconds(),
            ExpiresAtMs = now.AddSeconds(lifetimeSeconds).ToUnixTimeMilliseconds(),
            History = [new StatusChange(status, null, now, "test")],
        };
        var storage = cluster.Silo.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        await storage.WriteStateAsync("command", cluster.Grains.GetGrain<ICommandGrain>(id).GetGrainId(), new GrainState<CommandState>(state));
        return id;
    }

    [Fact]
    public async Task OverdueSweep_TimesOutEveryOpenCommandPastItsExpiryAndNothingElse()
    {
        var device = await RegisterDeviceAsync(cluster.Grains);
        var overdue = new[]
        {
            await StoreWithoutReminderAsync(device, CommandStatus.Pending, 30),
            await StoreWithoutReminderAsync(device, CommandStatus.Sent, 30),
            await StoreWithoutReminderAsync(device, CommandStatus.InProgress, 30),
        };
        var notDue = await StoreWithoutReminderAsync(device, CommandStatus.Pending, 600);
        var final = await StoreWithoutReminderAsync(device, CommandStatus.Succeeded, 30);
        cluster.Clock.Advance(TimeSpan.FromSeconds(31));

        var swept = await cluster.Silo.GetRequiredService<OverdueCommandSweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal(0, swept.Failed);
        Assert.True(swept.TimedOut >= overdue.Length, $"{swept.TimedOut} timed out");
        foreach (var id in overdue)
        {
            var record = await cluster.Grains.GetGrain<ICommandGrain>(id).GetAsync();
            Assert.Equal((CommandStatus.TimedOut, "ttl"), (record!.Status, record.History[^1].Source));
        }
        Assert.Equal(CommandStatus.Pending, (await cluster.Grains.GetGrain<ICommandGrain>(notDue).GetAsync())!.Status);
        Assert.Equal(CommandStatus.Succeeded, (await cluster.Grains.GetGrain<ICommandGrain>(final).GetAsync())!.Status);
    }

    [Fact]
    public async Task OverdueSweep_AChangeSweepsAtOnceAndAgainLaterWithoutHoldingUpTheNextNotice()
    {
        var device = await RegisterDeviceAsync(cluster.Grains);
        var overdue = await StoreWithoutReminderAsync(device, CommandStatus.Pending, 30);
        cluster.Clock.Advance(TimeSpan.FromSeconds(31));
        var sweeper = cluster.Silo.GetRequiredService<OverdueCommandSweeper>();
        // Cancelled at the end, so that no follow-up of this test sweeps when another test moves the clock.
        using var stop = new CancellationTokenSource();

        // Returns after the first sweep: the follow-ups wait on the (fake) clock, which has not moved.
        await sweeper.OnActiveSilosAsync(ActiveSilosChange.Changed, stop.Token).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(CommandStatus.TimedOut, (await cluster.Grains.GetGrain<ICommandGrain>(overdue).GetAsync())!.Status);

        // Due a second after the change, with no reminder: only the follow-up sweep ends it.
        var later = await StoreWithoutReminderAsync(device, CommandStatus.Pending, 1);
        var command = cluster.Grains.GetGrain<ICommandGrain>(later);
        var changes = new CommandChanges();
        var reference = cluster.Grains.CreateObjectReference<ICommandObserver>(changes);
        await command.SubscribeAsync(reference);
        cluster.Clock.Advance(OverdueCommandSweeper.SweepsAfterChange[0] + TimeSpan.FromSeconds(1));

        Assert.Equal((CommandStatus.TimedOut, "ttl"), ((await changes.NextAsync()).Status, (await command.GetAsync())!.History[^1].Source));
        cluster.Grains.DeleteObjectReference<ICommandObserver>(reference);
        await stop.CancelAsync();
    }
}
