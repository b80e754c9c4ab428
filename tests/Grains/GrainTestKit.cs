using CommandGrid.Grains.Interfaces;
using CommandGrid.Tests.Infrastructure;
using Orleans;

namespace CommandGrid.Tests.Grains;

/// <summary>What the grain tests build their cases from: fresh ids, a registered device, a request.</summary>
internal static class GrainTestKit
{
    // Far above what the test cluster's id sequence hands out, so random ids never meet allocated ones.
    public static long NewCommandId() => Random.Shared.NextInt64(1L << 40, 1L << 50);

    public static CreateCommandRequest Request(string device, int lifetime = 60, string command = "reboot") =>
        new(device, command, """{"delay":1}""", null, lifetime, null, null, UserId: 7);

    public static async Task<string> RegisterDeviceAsync(IGrainFactory grains, bool blocked = false)
    {
        var device = GridServer.NewId("grain");
        await grains.GetGrain<IDeviceGrain>(device).SaveAsync(new DeviceRegistration("test", null, null, null, blocked));
        return device;
    }

    public static Task<CommandRecord> CreateAsync(IGrainFactory grains, string device, int lifetime = 60, string command = "reboot") =>
        grains.GetGrain<IDeviceGrain>(device).CreateCommandAsync(Request(device, lifetime, command), NewCommandId());
}
