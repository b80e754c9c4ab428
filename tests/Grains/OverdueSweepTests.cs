using CommandGrid.Grains;
using CommandGrid.Grains.Cluster;
using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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
        await Storage.WriteStateAsync("command", cluster.Grains.GetGrain<ICommandGrain>(id).GetGrainId(), new GrainState<CommandState>(state));
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

        // Due a second after the change, with no reminder and no activation (hence no timer), and far less overdue
        // than the periodic sweep looks for: only the follow-up sweep ends it.
        var later = await StoreWithoutReminderAsync(device, CommandStatus.Pending, 1);
        cluster.Clock.Advance(OverdueCommandSweeper.SweepsAfterChange[0] + TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(async () => (await StoredAsync(later)).Status == CommandStatus.TimedOut, TimeSpan.FromSeconds(30), $"{later} is stored TIMED_OUT");
        Assert.Equal("ttl", (await cluster.Grains.GetGrain<ICommandGrain>(later).GetAsync())!.History[^1].Source);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task OverdueSweep_PeriodicSweepTakesOnlyWhatIsOverdueByMoreThanItsPeriod()
    {
        var device = await RegisterDeviceAsync(cluster.Grains);
        var period = Period;
        var lost = await StoreWithoutReminderAsync(device, CommandStatus.Sent, 30);
        var justDue = await StoreWithoutReminderAsync(device, CommandStatus.Pending, 30 + (int)period.TotalSeconds);
        cluster.Clock.Advance(TimeSpan.FromSeconds(30) + period + TimeSpan.FromSeconds(1));

        var swept = await cluster.Silo.GetRequiredService<OverdueCommandSweeper>().SweepAsync(CancellationToken.None, period);

        Assert.Equal(0, swept.Failed);
        Assert.Equal(CommandStatus.TimedOut, (await StoredAsync(lost)).Status);
        // Overdue by a second: still its timer's or its reminder's to end.
        Assert.Equal(CommandStatus.Pending, (await StoredAsync(justDue)).Status);
    }

    /// <summary>
    /// An execution a silo held in memory when it died had a timer and no reminder: nothing but the silo's own
    /// periodic sweep, started when it became active, ends it.
    /// </summary>
    [Fact]
    public async Task OverdueSweep_RunsEveryPeriodOnItsOwn()
    {
        var device = await RegisterDeviceAsync(cluster.Grains);
        var lost = await StoreWithoutReminderAsync(device, CommandStatus.Sent, 30);
        cluster.Clock.Advance(TimeSpan.FromSeconds(30));

        // The sweep arms its next wait only after the last sweep ended, which the test cannot see: it moves the clock
        // a period at a time until one sweep has run after the execution became overdue by more than a period.
        var advanced = TimeSpan.Zero;
        await Eventually.TrueAsync(async () =>
        {
            if ((await StoredAsync(lost)).Status == CommandStatus.TimedOut)
            {
                return true;
            }
            cluster.Clock.Advance(Period);
            advanced += Period;
            return false;
        }, TimeSpan.FromSeconds(30), $"{lost} is stored TIMED_OUT");

        Assert.True(advanced > Period, $"swept after {advanced}, before it was overdue by more than a period");
    }

    private IGrainStorage Storage => cluster.Silo.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

    private TimeSpan Period => TimeSpan.FromSeconds(cluster.Silo.GetRequiredService<IOptions<GridOptions>>().Value.OverdueSweepPeriodSeconds);

    private async Task<CommandState> StoredAsync(long id)
    {
        var state = new GrainState<CommandState>();
        await Storage.ReadStateAsync("command", cluster.Grains.GetGrain<ICommandGrain>(id).GetGrainId(), state);
        return state.State ?? throw new InvalidOperationException($"command {id} is not stored");
    }
}
