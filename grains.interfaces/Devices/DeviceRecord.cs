namespace CommandGrid.Grains.Interfaces;

/// <summary>A registered device (DeviceHive device, Fleets thing). Data is opaque JSON text.</summary>
[GenerateSerializer, Immutable, Alias("cg.DeviceRecord")]
public sealed record DeviceRecord(
    string Id,
    string Name,
    string? DataJson,
    long? NetworkId,
    long? DeviceTypeId,
    bool IsBlocked,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdated);

/// <summary>A create-or-update of a device; null fields keep their current value on update.</summary>
[GenerateSerializer, Immutable, Alias("cg.DeviceRegistration")]
public sealed record DeviceRegistration(string? Name, string? DataJson, long? NetworkId, long? DeviceTypeId, bool? IsBlocked);
