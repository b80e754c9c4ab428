using CommandGrid.Grains.Interfaces;
using Orleans;
using Xunit;
using static CommandGrid.Tests.Grains.GrainTestKit;

namespace CommandGrid.Tests.Grains;

[Collection(GrainClusterCollection.Name)]
public sealed class ClientTokenGrainTests(GrainClusterFixture cluster)
{
    private IGrainFactory Grains => cluster.Grains;

    [Fact]
    public async Task ClientToken_SameRequestReachesTheSameExecutionAnotherIsAConflict()
    {
        var device = await RegisterDeviceAsync(Grains);
        var token = Grains.GetGrain<IClientTokenGrain>($"7:{Guid.NewGuid():N}");
        var request = Request(device) with { ClientToken = "t", Fingerprint = "body-1" };

        var first = await token.CreateOnceAsync(request);
        var again = await token.CreateOnceAsync(request);
        await Assert.ThrowsAsync<ClientTokenConflictException>(() => token.CreateOnceAsync(request with { Fingerprint = "body-2" }));

        Assert.Equal(first.Id, again.Id);
        Assert.InRange(first.Id, 1, (1L << 53) - 1);
        Assert.Equal([first.Id], await Grains.GetGrain<IDeviceGrain>(device).GetPendingAsync());
    }

    [Fact]
    public async Task ClientToken_UnknownDeviceBindsNoId()
    {
        var device = Tests.Infrastructure.GridServer.NewId("unknown");
        var token = Grains.GetGrain<IClientTokenGrain>($"7:{Guid.NewGuid():N}");
        var request = Request(device) with { ClientToken = "t", Fingerprint = "body-1" };

        await Assert.ThrowsAsync<DeviceNotFoundException>(() => token.CreateOnceAsync(request));
        await Grains.GetGrain<IDeviceGrain>(device).SaveAsync(new DeviceRegistration("late", null, null, null, null));
        // Registered now, the same token creates the execution: the failed attempt held nothing back.
        Assert.Equal(device, (await token.CreateOnceAsync(request)).DeviceId);
    }
}
