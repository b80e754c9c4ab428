using CommandGrid.Storage;

namespace CommandGrid.Grains;

/// <summary>
/// The indexed tables the grains' states live in, so that listing and filtering executions
/// and devices is an SQL query rather than a walk over grains.
/// </summary>
public static class GridTables
{
    public const string Commands = "commands";
    public const string Devices = "devices";

    public static IReadOnlyList<IndexedTableSpec> All { get; } =
    [
        new("command", "command", Commands,
        [
            new("device_id", "deviceId", IndexedColumnKind.Text),
            new("action", "command", IndexedColumnKind.Text),
            new("status", "status", IndexedColumnKind.Text),
            new("created_at", "createdAtMs", IndexedColumnKind.Integer),
            new("timestamp_ms", "timestampMs", IndexedColumnKind.Integer),
            new("user_id", "userId", IndexedColumnKind.Integer),
            new("expires_at", "expiresAtMs", IndexedColumnKind.Integer),
        ]),
        new("device", "device", Devices,
        [
            new("name", "name", IndexedColumnKind.Text),
            new("network_id", "networkId", IndexedColumnKind.Integer),
            new("created_at", "createdAtMs", IndexedColumnKind.Integer),
        ]),
    ];
}
