using CommandGrid.Grains.Interfaces;
using Orleans;
using Xunit;
using static CommandGrid.Tests.Grains.GrainTestKit;

namespace CommandGrid.Tests.Grains;

[Collection(GrainClusterCollection.Name)]
public sealed class DeviceGrainTests(GrainClusterFixture cluster)
{
    private static readonly DeviceConnectionOptions DeviceLink = new(Delivers: true, WantsUpdates: false);

    private IGrainFactory Grains => cluster.Grains;

    // Creation times that differ, so "oldest first" is one order.
    private async Task<CommandRecord> CreateLaterAsync(string device, int lifetime = 60)
    {
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(10));
        return await CreateAsync(Grains, device, lifetime);
    }

    [Fact]
    public async Task DeviceGrain_QueueIsRebuiltFromStorageAfterDeactivation()
    {
        var device = await RegisterDeviceAsync(Grains);
        var first = await CreateLaterAsync(device);
        var sent = await CreateLaterAsync(device);
        await Grains.GetGrain<ICommandGrain>(sent.Id).MarkSentAsync();
        // Stored without the device grain hearing of it: only storage can tell the rebuilt queue.
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(10));
        var behindItsBack = NewCommandId();
        await Grains.GetGrain<ICommandGrain>(behindItsBack).CreateAsync(new NewCommand(Request(device), behindItsBack, null, null, DeviceConnected: false));
        var last = await CreateLaterAsync(device);

        await cluster.Cluster.DeactivateAsync(Grains.GetGrain<IDeviceGrain>(device));

        Assert.Equal([first.Id, behindItsBack, last.Id], await Grains.GetGrain<IDeviceGrain>(device).GetPendingAsync());
    }

    [Fact]
    public async Task DeviceGrain_ConnectingDeviceIsSentEveryPendingCommandOldestFirst()
    {
        var device = await RegisterDeviceAsync(Grains);
        var grain = Grains.GetGrain<IDeviceGrain>(device);
        var pending = new List<long>();
        // More than one replay batch (100), so the order across batches is checked too.
        for (var i = 0; i < 250; i++)
        {
            pending.Add((await CreateLaterAsync(device)).Id);
        }
        var canceled = pending[7];
        await Grains.GetGrain<ICommandGrain>(canceled).CancelAsync("test");
        pending.Remove(canceled);
        Assert.False((await grain.GetAsync())!.Connected);

        var link = new DeviceEvents();
        var reference = Grains.CreateObjectReference<IDeviceConnection>(link);
        await grain.ConnectAsync(reference, DeviceLink);

        Assert.Equal(pending, await link.NextAvailableIdsAsync(pending.Count));
        Assert.True((await grain.GetAsync())!.Connected);
        // A renewal replays nothing: the next thing the link hears of is the next new command.
        await grain.ConnectAsync(reference, DeviceLink);
        var next = await CreateLaterAsync(device);
        Assert.Equal(next.Id, (await link.NextAvailableAsync()).Id);

        await grain.DisconnectAsync(reference);
        Assert.False((await grain.GetAsync())!.Connected);
        Grains.DeleteObjectReference<IDeviceConnection>(reference);
    }

    [Fact]
    public async Task DeviceGrain_BlockedOrUnknownDeviceRefusesCommands()
    {
        var blocked = await RegisterDeviceAsync(Grains, blocked: true);
        var id = NewCommandId();

        await Assert.ThrowsAsync<CommandValidationException>(() => Grains.GetGrain<IDeviceGrain>(blocked).CreateCommandAsync(Request(blocked), id));
        var unknown = Tests.Infrastructure.GridServer.NewId("unknown");
        await Assert.ThrowsAsync<DeviceNotFoundException>(() => Grains.GetGrain<IDeviceGrain>(unknown).CreateCommandAsync(Request(unknown), id));

        Assert.Null(await Grains.GetGrain<ICommandGrain>(id).GetAsync());
        Assert.Empty(await Grains.GetGrain<IDeviceGrain>(blocked).GetPendingAsync());
    }

    [Fact]
    public async Task DeviceGrain_TellsEachConnectionWhatItAskedFor()
    {
        var device = await RegisterDeviceAsync(Grains);
        var grain = Grains.GetGrain<IDeviceGrain>(device);
        var (link, watcher, plain) = (new DeviceEvents(), new DeviceEvents(), new DeviceEvents());
        var references = new[] { link, watcher, plain }.Select(Grains.CreateObjectReference<IDeviceConnection>).ToArray();
        await grain.ConnectAsync(references[1], new DeviceConnectionOptions(Delivers: false, WantsUpdates: true));
        await grain.ConnectAsync(references[2], new DeviceConnectionOptions(Delivers: false, WantsUpdates: false));
        Assert.False((await grain.GetAsync())!.Connected);
        await grain.ConnectAsync(references[0], DeviceLink);
        Assert.True((await grain.GetAsync())!.Connected);

        var created = await CreateAsync(Grains, device);
        foreach (var connection in new[] { link, watcher, plain })
        {
            Assert.Equal(created.Id, (await connection.NextAvailableAsync()).Id);
        }
        await Grains.GetGrain<ICommandGrain>(created.Id).UpdateAsync(new CommandUpdate("done", null, null, "test"));
        Assert.Equal(CommandStatus.Succeeded, (await watcher.NextUpdatedAsync()).Status);

        // Every connection hears of a new command after that update; by then an update sent to the others would have come first.
        var barrier = await CreateAsync(Grains, device);
        Assert.Equal(barrier.Id, (await link.NextAvailableAsync()).Id);
        Assert.Equal(barrier.Id, (await plain.NextAvailableAsync()).Id);
        Assert.Equal((0, 0), (link.UpdatesSoFar, plain.UpdatesSoFar));
        foreach (var reference in references)
        {
            await grain.DisconnectAsync(reference);
            Grains.DeleteObjectReference<IDeviceConnection>(reference);
        }
    }

    [Fact]
    public async Task DeviceGrain_DeviceLinkNotRenewedInTimeExpires()
    {
        var device = await RegisterDeviceAsync(Grains);
        var grain = Grains.GetGrain<IDeviceGrain>(device);
        var link = new DeviceEvents();
        var reference = Grains.CreateObjectReference<IDeviceConnection>(link);
        await grain.ConnectAsync(reference, DeviceLink);

        cluster.Clock.Advance(TimeSpan.FromSeconds(100));
        await grain.ConnectAsync(reference, DeviceLink);
        cluster.Clock.Advance(TimeSpan.FromSeconds(100));
        Assert.True((await grain.GetAsync())!.Connected, "renewed 100 s ago, within the 120 s expiry");
        cluster.Clock.Advance(TimeSpan.FromSeconds(21));
        Assert.False((await grain.GetAsync())!.Connected);

        // Coming back after expiry is a new connection: it is sent what is pending again.
        var pending = await CreateAsync(Grains, device);
        await grain.ConnectAsync(reference, DeviceLink);
        Assert.Equal(pending.Id, (await link.NextAvailableAsync()).Id);
        await grain.DisconnectAsync(reference);
        Grains.DeleteObjectReference<IDeviceConnection>(reference);
    }
}
