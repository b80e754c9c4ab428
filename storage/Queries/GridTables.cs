namespace CommandGrid.Storage.Queries;

/// <summary>
/// The indexed tables the grid's grain states live in: which grain state each holds, its columns and
/// the state's JSON properties they are filled from. The one place that knows these names; the
/// grain types and state names are the grains' own (<c>[GrainType]</c>, <c>[PersistentState]</c>).
/// </summary>
internal static class GridTables
{
    public const string CreatedAt = "created_at";

    public static class Command
    {
        public const string DeviceId = "device_id";
        public const string Action = "action";
        public const string Status = "status";
        public const string Timestamp = "timestamp_ms";
        public const string ExpiresAt = "expires_at";
    }

    public static class Device
    {
        public const string Name = "name";
        public const string NetworkId = "network_id";
    }

    public static IndexedTableSpec Commands { get; } = new("command", "command", "commands",
    [
        new(Command.DeviceId, "deviceId", IndexedColumnKind.Text),
        new(Command.Action, "command", IndexedColumnKind.Text),
        new(Command.Status, "status", IndexedColumnKind.Text),
        new(CreatedAt, "createdAtMs", IndexedColumnKind.Integer),
        new(Command.Timestamp, "timestampMs", IndexedColumnKind.Integer),
        new("user_id", "userId", IndexedColumnKind.Integer),
        new(Command.ExpiresAt, "expiresAtMs", IndexedColumnKind.Integer),
    ],
    // A device's queue (its PENDING commands in creation order) and the overdue sweep (an open status, by expiry).
    [[Command.DeviceId, Command.Status, CreatedAt], [Command.Status, Command.ExpiresAt]]);

    public static IndexedTableSpec Devices { get; } = new("device", "device", "devices",
    [
        new(Device.Name, "name", IndexedColumnKind.Text),
        new(Device.NetworkId, "networkId", IndexedColumnKind.Integer),
        new(CreatedAt, "createdAtMs", IndexedColumnKind.Integer),
    ]);

    public static IReadOnlyList<IndexedTableSpec> All { get; } = [Commands, Devices];

    /// <summary>The execution id of a row of the commands table: the grain key is Orleans' spelling of it, the payload has it plainly.</summary>
    public static long CommandIdOf(IndexedRow row) => StateJson.Read<StoredCommandId>(row.Payload).Id;

    private sealed record StoredCommandId(long Id);
}
