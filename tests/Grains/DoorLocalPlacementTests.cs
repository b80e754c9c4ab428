using CommandGrid.Gateway.Hosting;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit;
using static CommandGrid.Tests.Grains.GrainTestKit;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// Where device and command grains live in a cluster of three silos of which only the first is a gateway, called by a
/// client that marks its calls as a gateway's do (<see cref="DoorCallMarker"/>). Random placement is the silos'
/// default here, so a grain placed by the default lands on the gateway silo one time in three.
/// </summary>
public sealed class DoorLocalPlacementTests : IAsyncLifetime
{
    // Grains per case: all of them on one silo of three by chance is one run in half a million.
    private const int Devices = 12;

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private InProcessTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Client;

    // The first silo: the only one with a gateway (GatewayPerSilo = false).
    private SiloAddress GatewaySilo => _cluster.Silos[0].SiloAddress;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.Options.GatewayPerSilo = false;
        builder.ConfigureSilo((_, silo) =>
        {
            GrainClusterFixture.ConfigureGridSilo(silo, _clock);
            silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
        });
        builder.ConfigureClient(client => client.AddOutgoingGrainCallFilter<DoorCallMarker>());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private ValueTask<SiloAddress?> WhereAsync(IAddressable grain) => Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);

    [Fact]
    public async Task Placement_DeviceGrainsActivatedThroughADoorLiveOnTheSiloItReachedWithTheirExecutions()
    {
        for (var i = 0; i < Devices; i++)
        {
            var device = await RegisterDeviceAsync(Grains);
            var deviceGrain = Grains.GetGrain<IDeviceGrain>(device);
            var command = await CreateAsync(Grains, device);

            // The device is offline, so its execution left memory once stored; the door's confirmation brings it back.
            var sent = await deviceGrain.MarkCommandSentAsync(command.Id);
            Assert.Equal(CommandStatus.Sent, sent.Status);
            Assert.Equal(GatewaySilo, await WhereAsync(deviceGrain));
            Assert.Equal(GatewaySilo, await WhereAsync(Grains.GetGrain<ICommandGrain>(command.Id)));

            var answered = await deviceGrain.UpdateCommandAsync(command.Id, new CommandUpdate("SUCCEEDED", null, null, "test"));
            Assert.Equal(CommandStatus.Succeeded, answered.Status);
        }
    }

    [Fact]
    public async Task Placement_DeviceGrainsActivatedFromInsideTheClusterArePlacedByTheDefault()
    {
        var silos = new HashSet<SiloAddress>();
        for (var i = 0; i < Devices; i++)
        {
            var device = GridServer.NewId("inside");
            var id = NewCommandId();
            // A call to the execution, not to the device: unmarked. Its change notice activates the device grain.
            await Grains.GetGrain<ICommandGrain>(id).CreateAsync(new NewCommand(Request(device), id, null, null, DeviceConnected: false));
            await Grains.GetGrain<ICommandGrain>(id).CancelAsync("test");
            SiloAddress? silo = null;
            await Eventually.TrueAsync(async () => (silo = await WhereAsync(Grains.GetGrain<IDeviceGrain>(device))) is not null,
                TimeSpan.FromSeconds(20), $"the change notice activated device grain {device}");
            silos.Add(silo!);
        }
        Assert.Contains(silos, silo => !silo.Equals(GatewaySilo));
    }
}
