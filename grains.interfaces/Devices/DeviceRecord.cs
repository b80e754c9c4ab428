using System.Collections.Immutable;

namespace CommandGrid.Grains.Interfaces;

/// <summary>A registered device (DeviceHive device, Fleets thing). Data is opaque JSON text.</summary>
/// <param name="Connected">The device itself has a live connection on some gateway (as its device grain knows it).</param>
/// <param name="LastSeen">When a device connection last connected, renewed or left; now while one is connected.</param>
/// <param name="Groups">The static thing groups the device is a member of.</param>
[GenerateSerializer, Immutable, Alias("cg.DeviceRecord")]
public sealed record DeviceRecord(
    string Id,
    string Name,
    string? DataJson,
    long? NetworkId,
    long? DeviceTypeId,
    bool IsBlocked,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdated,
    bool Connected = false,
    DateTimeOffset? LastSeen = null,
    ImmutableArray<string> Groups = default);

/// <summary>A create-or-update of a device; null fields keep their current value on update.</summary>
[GenerateSerializer, Immutable, Alias("cg.DeviceRegistration")]
public sealed record DeviceRegistration(string? Name, string? DataJson, long? NetworkId, long? DeviceTypeId, bool? IsBlocked);
