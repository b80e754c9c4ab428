namespace CommandGrid.Grains.Interfaces;

/// <summary>A registered device (DeviceHive device, Fleets thing). Data is opaque JSON text.</summary>
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
public sealed record DeviceRegistration(string? Name, string? DataJson, long? NetworkId, long? DeviceTypeId, bool? IsBlocked);
