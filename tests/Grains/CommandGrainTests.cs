using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Xunit;
using static CommandGrid.Tests.Grains.GrainTestKit;

namespace CommandGrid.Tests.Grains;

[Collection(GrainClusterCollection.Name)]
public sealed class CommandGrainTests(GrainClusterFixture cluster)
{
    private IGrainFactory Grains => cluster.Grains;

    [Fact]
    public async Task CommandGrain_CreateTwiceWithTheSameIdStoresOneExecution()
    {
        var device = await RegisterDeviceAsync(Grains);
        var id = NewCommandId();

        var first = await Grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device), id);
        var again = await Grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device, command: "other"), id);

        Assert.Equal(id, first.Id);
        Assert.Equal("reboot", again.Command);
        Assert.Equal(first.CreatedAt, again.CreatedAt);
        Assert.Equal([id], await Grains.GetGrain<IDeviceGrain>(device).GetPendingAsync());
    }

    [Fact]
    public async Task CommandGrain_CreateRepeatedOnANewActivationReturnsWhatTheFirstStored()
    {
        var device = await RegisterDeviceAsync(Grains);
        var id = NewCommandId();
        var command = Grains.GetGrain<ICommandGrain>(id);
        using var deactivations = new GrainDeactivations(command.GetGrainId());
        var first = await Grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device), id);
        // Its device is offline, so the activation goes: the repeat meets a new one, which inserts before it reads.
        await deactivations.NextAsync();

        var again = await Grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device, command: "other"), id);
        await command.UpdateAsync(new CommandUpdate("done", null, null, "test"));
        await deactivations.NextAsync();
        var late = await Grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device, command: "third"), id);

        Assert.Equal((first.Command, first.CreatedAt, first.ExpiresAt, CommandStatus.Pending), (again.Command, again.CreatedAt, again.ExpiresAt, again.Status));
        Assert.Equal(("reboot", CommandStatus.Succeeded), (late.Command, late.Status));
        Assert.Equal([CommandStatus.Pending, CommandStatus.Succeeded], (await command.GetAsync())!.History.Select(h => h.Status));
    }

    [Fact]
    public async Task CommandGrain_TellsObserversEveryChange()
    {
        var device = await RegisterDeviceAsync(Grains);
        var created = await CreateAsync(Grains, device);
        var command = Grains.GetGrain<ICommandGrain>(created.Id);
        var changes = new CommandChanges();
        var reference = Grains.CreateObjectReference<ICommandObserver>(changes);
        await command.SubscribeAsync(reference);

        await command.MarkSentAsync();
        await command.UpdateAsync(new CommandUpdate("in progress", null, null, "test"));
        await command.UpdateAsync(new CommandUpdate("done", """{"ok":true}""", null, "test"));

        // Orleans keeps no order among one-way notifications: each carries the whole record, and the
        // doors keep the newest (by its history), so what is checked is that every change was told.
        CommandRecord[] told = [await changes.NextAsync(), await changes.NextAsync(), await changes.NextAsync()];
        Assert.Equal([CommandStatus.Sent, CommandStatus.InProgress, CommandStatus.Succeeded], told.OrderBy(c => c.History.Length).Select(c => c.Status));
        var done = told.MaxBy(c => c.History.Length)!;
        Assert.Equal((CommandStatus.Succeeded, "done", """{"ok":true}"""), (done.Status, done.DeviceStatus, done.ResultJson));
        Assert.Equal([CommandStatus.Pending, CommandStatus.Sent, CommandStatus.InProgress, CommandStatus.Succeeded], done.History.Select(h => h.Status));
        await command.UnsubscribeAsync(reference);
        Grains.DeleteObjectReference<ICommandObserver>(reference);
    }

    [Fact]
    public async Task CommandGrain_UpdateNamingAnotherDeviceFindsNoExecutionAndChangesNothing()
    {
        var device = await RegisterDeviceAsync(Grains);
        var other = await RegisterDeviceAsync(Grains);
        var created = await CreateAsync(Grains, device);
        var command = Grains.GetGrain<ICommandGrain>(created.Id);

        await Assert.ThrowsAsync<CommandNotFoundException>(() => command.UpdateAsync(new CommandUpdate("done", null, null, "test", other)));
        var updated = await command.UpdateAsync(new CommandUpdate("done", null, null, "test", device));

        Assert.Equal(CommandStatus.Succeeded, updated.Status);
        Assert.Equal([CommandStatus.Pending, CommandStatus.Succeeded], updated.History.Select(h => h.Status));
    }

    [Fact]
    public async Task CommandGrain_FinalStatusNeverChangesAndSurvivesReactivation()
    {
        var device = await RegisterDeviceAsync(Grains);
        var created = await CreateAsync(Grains, device);
        var command = Grains.GetGrain<ICommandGrain>(created.Id);

        var done = await command.UpdateAsync(new CommandUpdate("done", """{"ok":true}""", null, "test"));
        await Assert.ThrowsAsync<CommandFinalException>(() => command.UpdateAsync(new CommandUpdate("failed", null, null, "test")));
        await Assert.ThrowsAsync<CommandFinalException>(() => command.CancelAsync("test"));
        var other = await CreateAsync(Grains, device);
        await Assert.ThrowsAsync<InvalidStatusTransitionException>(() =>
            Grains.GetGrain<ICommandGrain>(other.Id).UpdateAsync(new CommandUpdate("TIMED_OUT", null, null, "test")));

        await cluster.Cluster.DeactivateAsync(command);
        var reloaded = await command.GetAsync();
        Assert.Equal(CommandStatus.Succeeded, done.Status);
        Assert.Equal(done with { History = reloaded!.History }, reloaded);
        Assert.Equal([CommandStatus.Pending, CommandStatus.Succeeded], reloaded.History.Select(h => h.Status));
    }

    [Fact]
    public async Task CommandGrain_AnsweredBeforeItsDeliveryConfirmationStaysForItAndNeedsNoReminder()
    {
        var device = await RegisterDeviceAsync(Grains);
        var id = NewCommandId();
        var command = Grains.GetGrain<ICommandGrain>(id);
        using var reminders = new ReminderRegistrations(command.GetGrainId(), CommandGrain.TtlReminder);
        using var deactivations = new GrainDeactivations(command.GetGrainId());

        await command.CreateAsync(new NewCommand(Request(device), id, null, null, DeviceConnected: true));
        var done = await command.UpdateAsync(new CommandUpdate("done", null, null, "test", device));
        // The door's delivery confirmation, after the device's answer: the final execution stayed in memory for it,
        // and goes with it. A reminder it registered or removed would be seen by then.
        var confirmed = await command.MarkSentAsync();
        await deactivations.NextAsync();

        Assert.Equal((CommandStatus.Succeeded, CommandStatus.Succeeded), (done.Status, confirmed.Status));
        Assert.Equal(1, deactivations.Activations);
        Assert.Empty(reminders.Seen);
    }

    [Fact]
    public async Task CommandGrain_UnansweredInMemoryTimesOutByItsTimerAtExpiryWithoutAReminder()
    {
        var device = await RegisterDeviceAsync(Grains);
        var id = NewCommandId();
        var command = Grains.GetGrain<ICommandGrain>(id);
        using var reminders = new ReminderRegistrations(command.GetGrainId(), CommandGrain.TtlReminder);
        var created = await command.CreateAsync(new NewCommand(Request(device, lifetime: 60), id, null, null, DeviceConnected: true));
        var changes = new CommandChanges();
        var reference = Grains.CreateObjectReference<ICommandObserver>(changes);
        // The subscription holds the activation in memory, as a watching creator's does.
        await command.SubscribeAsync(reference);

        cluster.Clock.Advance(created.ExpiresAt - cluster.Clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        Assert.Equal(CommandStatus.Pending, (await command.GetAsync())!.Status);
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var final = await changes.NextAsync();

        Assert.Equal((CommandStatus.TimedOut, "ttl"), (final.Status, final.History[^1].Source));
        Assert.True(final.LastUpdated >= created.ExpiresAt, $"timed out at {final.LastUpdated:O}, before its expiry {created.ExpiresAt:O}");
        Assert.Empty(reminders.Seen);
        Grains.DeleteObjectReference<ICommandObserver>(reference);
    }

    [Fact]
    public async Task CommandGrain_AStartedExecutionTimesOutAtItsInProgressTimeoutBeforeItsTtl()
    {
        var (command, changes, reference) = await StartWatchedAsync(lifetime: 3600, inProgressMinutes: 10);
        cluster.Clock.Advance(TimeSpan.FromMinutes(1));
        var started = await command.UpdateAsync(new CommandUpdate(CommandStatus.InProgress, null, null, "device"));
        Assert.Equal(started.StartedAt!.Value.AddMinutes(10), started.ExpiresAt);
        await changes.NextAsync();

        cluster.Clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(CommandStatus.InProgress, (await command.GetAsync())!.Status);
        // Renewed, as a watcher renews: minutes of fake time expire a subscription.
        await command.SubscribeAsync(reference);
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var final = await changes.NextAsync();

        Assert.Equal(CommandStatus.TimedOut, final.Status);
        Assert.Equal(started.StartedAt!.Value.AddMinutes(10), final.LastUpdated);
        Grains.DeleteObjectReference<ICommandObserver>(reference);
    }

    [Fact]
    public async Task CommandGrain_AStepTimeoutMovesTheDeadlinePastTheInProgressTimeoutAndMinusOnePutsItBack()
    {
        var (command, changes, reference) = await StartWatchedAsync(lifetime: 3600, inProgressMinutes: 10);
        var started = await command.UpdateAsync(new CommandUpdate(CommandStatus.InProgress, null, null, "device"));
        await changes.NextAsync();
        cluster.Clock.Advance(TimeSpan.FromMinutes(9));
        await command.SubscribeAsync(reference);
        var stepped = await command.UpdateAsync(new CommandUpdate(CommandStatus.InProgress, null, null, "device", StepTimeoutMinutes: 20));
        Assert.Equal(cluster.Clock.GetUtcNow().AddMinutes(20), stepped.ExpiresAt);
        await changes.NextAsync();

        // Past the in-progress timeout, within the step: still running.
        cluster.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(CommandStatus.InProgress, (await command.GetAsync())!.Status);
        await command.SubscribeAsync(reference);
        var back = await command.UpdateAsync(new CommandUpdate(CommandStatus.InProgress, null, null, "device", StepTimeoutMinutes: -1));
        Assert.Equal(started.StartedAt!.Value.AddMinutes(10), back.ExpiresAt);
        // The restored deadline has passed, so its timer ends the execution at once; the two changes are told one-way, in either order.
        var told = new[] { await changes.NextAsync(), await changes.NextAsync() };

        Assert.Contains(told, c => c.Status == CommandStatus.TimedOut);
        Assert.Equal(CommandStatus.TimedOut, (await command.GetAsync())!.Status);
        Grains.DeleteObjectReference<ICommandObserver>(reference);
    }

    // A new execution with an in-progress timeout, its changes watched (which also holds it in memory).
    private async Task<(ICommandGrain Command, CommandChanges Changes, ICommandObserver Reference)> StartWatchedAsync(int lifetime, int inProgressMinutes)
    {
        var device = await RegisterDeviceAsync(Grains);
        var id = NewCommandId();
        var command = Grains.GetGrain<ICommandGrain>(id);
        await command.CreateAsync(new NewCommand(Request(device, lifetime) with { InProgressTimeoutMinutes = inProgressMinutes }, id, null, null, DeviceConnected: true));
        var changes = new CommandChanges();
        var reference = Grains.CreateObjectReference<ICommandObserver>(changes);
        await command.SubscribeAsync(reference);
        return (command, changes, reference);
    }

    [Fact]
    public async Task CommandGrain_TtlReminderTimesOutAtExpiryNotBefore()
    {
        var device = await RegisterDeviceAsync(Grains);
        var id = NewCommandId();
        var command = Grains.GetGrain<ICommandGrain>(id);
        using var armed = new ReminderArmed(command.GetGrainId(), CommandGrain.TtlReminder);
        // Its device is offline, so the execution leaves memory at once, and registers its reminder as it goes.
        var created = await Grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device, lifetime: 60), id);
        await armed.WaitAsync();
        var reminder = await cluster.Silo.GetRequiredService<IReminderTable>().ReadRow(command.GetGrainId(), CommandGrain.TtlReminder);
        Assert.Equal(created.ExpiresAt.UtcDateTime, reminder!.StartAt);

        // A tick before the expiry (one that came early) changes nothing.
        cluster.Clock.Advance(created.ExpiresAt - cluster.Clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        await command.AsReference<IRemindable>().ReceiveReminder(CommandGrain.TtlReminder, new TickStatus(reminder.StartAt, reminder.Period, cluster.Clock.GetUtcNow().UtcDateTime));
        Assert.Equal(CommandStatus.Pending, (await command.GetAsync())!.Status);

        var changes = new CommandChanges();
        var reference = Grains.CreateObjectReference<ICommandObserver>(changes);
        await command.SubscribeAsync(reference);
        // Now the reminder service's own tick is due, on the same clock.
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var final = await changes.NextAsync();

        Assert.Equal(CommandStatus.TimedOut, final.Status);
        Assert.Equal("ttl", final.History[^1].Source);
        Assert.True(final.LastUpdated >= created.ExpiresAt, $"timed out at {final.LastUpdated:O}, before its expiry {created.ExpiresAt:O}");
        Grains.DeleteObjectReference<ICommandObserver>(reference);
    }
}
