using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Devices;

/// <summary>The stored form of a device; flat so the devices table can index its properties.</summary>
public sealed class DeviceState
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string? DataJson { get; set; }
    public long? NetworkId { get; set; }
    public long? DeviceTypeId { get; set; }
    public bool IsBlocked { get; set; }
    public long CreatedAtMs { get; set; }
    public long LastUpdatedMs { get; set; }

    public DeviceRecord ToRecord() => new(
        Id, Name, DataJson, NetworkId, DeviceTypeId, IsBlocked,
        DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(LastUpdatedMs));
}
