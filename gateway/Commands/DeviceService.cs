using CommandGrid.Gateway.Observers;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Commands;

/// <summary>
/// What every door does with devices, as grain calls: the registry (read, save, list, register on
/// first connect) and a connection's subscription to its device. Each call is retried when a silo
/// died or could not be reached, and each is safe to repeat.
/// </summary>
public sealed class DeviceService(IGrainFactory grains, GridRetry retry, ObserverSubscriptionFactory subscriptions)
{
    public Task<DeviceRecord?> GetAsync(string deviceId) => retry.RunAsync(() => Device(deviceId).GetAsync());

    public Task<DeviceRecord> SaveAsync(string deviceId, DeviceRegistration registration) => retry.RunAsync(() => Device(deviceId).SaveAsync(registration));

    /// <summary>Registers the device if it is not yet (a device that connects with a valid token).</summary>
    public Task<DeviceRecord> EnsureRegisteredAsync(string deviceId) => retry.RunAsync(() => Device(deviceId).EnsureRegisteredAsync());

    public Task<DevicePage> ListAsync(DeviceQuery query) => retry.RunAsync(() => grains.GetGrain<IFleetQueryGrain>(0).ListDevicesAsync(query));

    /// <summary>
    /// A connection listening to its device; a delivering one is sent the device's pending commands
    /// when it first subscribes. Not subscribed until its owner starts it.
    /// </summary>
    public ObserverSubscription Connection(string deviceId, IDeviceConnection connection, DeviceConnectionOptions options, TimeSpan renewEvery) =>
        Connection(deviceId, connection, () => options, renewEvery);

    /// <summary>A connection whose options may change: each subscription and renewal sends what <paramref name="options"/> gives then.</summary>
    public ObserverSubscription Connection(string deviceId, IDeviceConnection connection, Func<DeviceConnectionOptions> options, TimeSpan renewEvery) =>
        subscriptions.Create($"device {deviceId}", connection,
            reference => Device(deviceId).ConnectAsync(reference, options()),
            reference => Device(deviceId).DisconnectAsync(reference),
            renewEvery);

    private IDeviceGrain Device(string deviceId) => grains.GetGrain<IDeviceGrain>(deviceId);
}
