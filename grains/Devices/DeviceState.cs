using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Devices;

/// <summary>The stored form of a device; flat so the storage can index its properties.</summary>
[GenerateSerializer, Alias("cg.DeviceState")]
public sealed class DeviceState
{
    [Id(0)]
    public string Id { get; set; } = "";
    [Id(1)]
    public string Name { get; set; } = "";
    [Id(2)]
    public string? DataJson { get; set; }
    [Id(3)]
    public long? NetworkId { get; set; }
    [Id(4)]
    public long? DeviceTypeId { get; set; }
    [Id(5)]
    public bool IsBlocked { get; set; }
    [Id(6)]
    public long CreatedAtMs { get; set; }
    [Id(7)]
    public long LastUpdatedMs { get; set; }

    /// <summary>When a device connection last came or went; written on those events only, not on renewals.</summary>
    [Id(8)]
    public long? LastSeenMs { get; set; }

    /// <summary>The static thing groups the device is a member of, in the order it joined them.</summary>
    [Id(9)]
    public List<string> Groups { get; set; } = [];

    public DeviceRecord ToRecord(bool connected = false, DateTimeOffset? seenNow = null) => new(
        Id, Name, DataJson, NetworkId, DeviceTypeId, IsBlocked,
        DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(LastUpdatedMs),
        connected, seenNow ?? (LastSeenMs is { } seen ? DateTimeOffset.FromUnixTimeMilliseconds(seen) : null), [.. Groups]);
}
