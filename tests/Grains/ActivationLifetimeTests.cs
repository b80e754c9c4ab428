using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Interfaces;
using Orleans;
using Orleans.Runtime;
using Xunit;
using static CommandGrid.Tests.Grains.GrainTestKit;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// Activations live only while they have work, and nothing a door sees changes when one comes back:
/// a final execution goes at once, one waiting for an offline device goes and returns for its replay or
/// its TTL, and what is watched or connected stays through a collection.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class ActivationLifetimeTests(GrainClusterFixture cluster)
{
    private static readonly DeviceConnectionOptions DeviceLink = new(Delivers: true, WantsUpdates: false);

    private IGrainFactory Grains => cluster.Grains;

    // Every idle activation of the silo whose keep-alive has passed, as Orleans' collector would at its next quantum.
    private Task CollectIdleActivationsAsync() => Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    [Fact]
    public async Task Activation_FinalExecutionGoesAtOnceAndKeepsNoSubscribers()
    {
        var device = await RegisterDeviceAsync(Grains);
        var id = NewCommandId();
        var command = Grains.GetGrain<ICommandGrain>(id);
        using var deactivations = new GrainDeactivations(command.GetGrainId());
        await Grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device), id);
        // Its device is offline: nothing will call it until the device connects or its TTL is due.
        await deactivations.NextAsync();

        var changes = new CommandChanges();
        var reference = Grains.CreateObjectReference<ICommandObserver>(changes);
        await command.SubscribeAsync(reference);
        await command.UpdateAsync(new CommandUpdate("done", """{"ok":true}""", null, "test"));

        Assert.Equal(CommandStatus.Succeeded, (await changes.NextAsync()).Status);
        await deactivations.NextAsync();
        var reloaded = await command.GetAsync();
        Assert.Equal((CommandStatus.Succeeded, """{"ok":true}"""), (reloaded!.Status, reloaded.ResultJson));
        // A subscriber of a final execution is not kept (it would never be told anything), so it holds nothing in memory.
        await command.SubscribeAsync(reference);
        await CollectIdleActivationsAsync();
        await deactivations.NextAsync();
        Grains.DeleteObjectReference<ICommandObserver>(reference);
    }

    [Fact]
    public async Task Activation_PendingExecutionOfAnOfflineDeviceComesBackForTheReplay()
    {
        var device = await RegisterDeviceAsync(Grains);
        var id = NewCommandId();
        using var deactivations = new GrainDeactivations(Grains.GetGrain<ICommandGrain>(id).GetGrainId());
        using var deviceDeactivations = new GrainDeactivations(Grains.GetGrain<IDeviceGrain>(device).GetGrainId());
        await Grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device), id);
        await deactivations.NextAsync();
        await CollectIdleActivationsAsync();
        await deviceDeactivations.NextAsync();

        // Both grains come back: the device grain rebuilds its queue from storage, the command grain reads its state.
        var link = new DeviceEvents();
        var reference = Grains.CreateObjectReference<IDeviceConnection>(link);
        var grain = Grains.GetGrain<IDeviceGrain>(device);
        await grain.ConnectAsync(reference, DeviceLink);

        var replayed = await link.NextAvailableAsync();
        Assert.Equal((id, CommandStatus.Pending, "reboot"), (replayed.Id, replayed.Status, replayed.Command));
        Assert.Equal(CommandStatus.Sent, (await Grains.GetGrain<ICommandGrain>(id).MarkSentAsync()).Status);
        await grain.DisconnectAsync(reference);
        Grains.DeleteObjectReference<IDeviceConnection>(reference);
    }

    [Fact]
    public async Task Activation_CollectedPendingExecutionTimesOutOnItsReminder()
    {
        var device = await RegisterDeviceAsync(Grains);
        var id = NewCommandId();
        var command = Grains.GetGrain<ICommandGrain>(id);
        var grain = Grains.GetGrain<IDeviceGrain>(device);
        // A watcher of the device's changes (not its delivering link, so the device stays offline).
        var watcher = new DeviceEvents();
        var reference = Grains.CreateObjectReference<IDeviceConnection>(watcher);
        await grain.ConnectAsync(reference, new DeviceConnectionOptions(Delivers: false, WantsUpdates: true));
        using var deactivations = new GrainDeactivations(command.GetGrainId());
        using var armed = new ReminderArmed(command.GetGrainId(), CommandGrain.TtlReminder);
        var created = await grain.CreateCommandAsync(Request(device, lifetime: 60), id);
        await armed.WaitAsync();
        await deactivations.NextAsync();

        cluster.Clock.Advance(created.ExpiresAt - cluster.Clock.GetUtcNow());

        var final = await watcher.NextUpdatedAsync();
        Assert.Equal((id, CommandStatus.TimedOut, "ttl"), (final.Id, final.Status, final.History[^1].Source));
        Assert.True(final.LastUpdated >= created.ExpiresAt, $"timed out at {final.LastUpdated:O}, before its expiry {created.ExpiresAt:O}");
        await deactivations.NextAsync();
        await grain.DisconnectAsync(reference);
        Grains.DeleteObjectReference<IDeviceConnection>(reference);
    }

    [Fact]
    public async Task Activation_WatchedExecutionAndConnectedDeviceStayThroughACollection()
    {
        var device = await RegisterDeviceAsync(Grains);
        var grain = Grains.GetGrain<IDeviceGrain>(device);
        var link = new DeviceEvents();
        var linkReference = Grains.CreateObjectReference<IDeviceConnection>(link);
        await grain.ConnectAsync(linkReference, DeviceLink);
        var created = await CreateAsync(Grains, device);
        Assert.Equal(created.Id, (await link.NextAvailableAsync()).Id);
        var command = Grains.GetGrain<ICommandGrain>(created.Id);
        var changes = new CommandChanges();
        var reference = Grains.CreateObjectReference<ICommandObserver>(changes);
        await command.SubscribeAsync(reference);
        using var deactivations = new GrainDeactivations(command.GetGrainId());
        using var deviceDeactivations = new GrainDeactivations(grain.GetGrainId());

        await CollectIdleActivationsAsync();

        Assert.Equal((0, 0), (deactivations.Unread, deviceDeactivations.Unread));
        // The subscriber and the link were not lost with an activation: both hear of what happens next.
        await command.UpdateAsync(new CommandUpdate("done", null, null, "test"));
        Assert.Equal(CommandStatus.Succeeded, (await changes.NextAsync()).Status);
        var next = await CreateAsync(Grains, device);
        Assert.Equal(next.Id, (await link.NextAvailableAsync()).Id);
        await grain.DisconnectAsync(linkReference);
        Grains.DeleteObjectReference<IDeviceConnection>(linkReference);
        Grains.DeleteObjectReference<ICommandObserver>(reference);
    }
}
