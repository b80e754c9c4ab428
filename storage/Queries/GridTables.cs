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
        public const string JobId = "job_id";
    }

    public static class Device
    {
        public const string Name = "name";
        public const string NetworkId = "network_id";
        public const string DeviceTypeId = "device_type_id";

        /// <summary>The device state's property holding its attributes (JSON text), read by dynamic group queries.</summary>
        public const string DataProperty = "dataJson";
    }

    public static class Member
    {
        public const string Group = "group_name";
    }

    public static class Job
    {
        public const string Status = "status";
    }

    public static IndexedTableSpec Commands { get; } = new("command", "command", "commands",
    [
        new(Command.DeviceId, "deviceId", IndexedColumnKind.Text),
        new(Command.Action, "command", IndexedColumnKind.Text),
        new(Command.Status, "status", IndexedColumnKind.Text),
        new(CreatedAt, "createdAtMs", IndexedColumnKind.Integer),
        new(Command.Timestamp, "timestampMs", IndexedColumnKind.Integer),
        // No query filters on the user or orders by expiry but the overdue sweep's, which has its composite: their
        // own indexes cost every write and served nothing. Nearly every command is no job's: the job indexes hold the
        // job's executions only. Eleven index entries per command write became six (bench/README.md).
        new("user_id", "userId", IndexedColumnKind.Integer, OwnIndex: false),
        new(Command.ExpiresAt, "expiresAtMs", IndexedColumnKind.Integer, OwnIndex: false),
        new(Command.JobId, "jobId", IndexedColumnKind.Text, Sparse: true),
    ],
    // A device's queue (its PENDING commands in creation order), the overdue sweep (an open status, by expiry), a
    // job's executions (in one status or all) and whether a job's page of things already has executions.
    [[Command.DeviceId, Command.Status, CreatedAt], [Command.Status, Command.ExpiresAt], [Command.JobId, Command.Status, CreatedAt], [Command.JobId, CreatedAt],
     [Command.JobId, Command.DeviceId]]);

    public static IndexedTableSpec Devices { get; } = new("device", "device", "devices",
    [
        new(Device.Name, "name", IndexedColumnKind.Text),
        new(Device.NetworkId, "networkId", IndexedColumnKind.Integer),
        new(CreatedAt, "createdAtMs", IndexedColumnKind.Integer),
        new(Device.DeviceTypeId, "deviceTypeId", IndexedColumnKind.Integer),
    ]);

    public static IndexedTableSpec Groups { get; } = new("thinggroup", "group", "thing_groups",
    [
        new(CreatedAt, "createdAtMs", IndexedColumnKind.Integer),
    ]);

    /// <summary>One row per (static group, thing): a group's members are paged from here, never held in one state.</summary>
    public static IndexedTableSpec Members { get; } = new("groupmember", "member", "group_members",
    [
        new(Member.Group, "group", IndexedColumnKind.Text),
        new("thing_id", "thingId", IndexedColumnKind.Text),
        new(CreatedAt, "createdAtMs", IndexedColumnKind.Integer),
    ]);

    public static IndexedTableSpec Jobs { get; } = new("job", "job", "jobs",
    [
        new(Job.Status, "status", IndexedColumnKind.Text),
        new(CreatedAt, "createdAtMs", IndexedColumnKind.Integer),
    ]);

    public static IReadOnlyList<IndexedTableSpec> All { get; } = [Commands, Devices, Groups, Members, Jobs];

    /// <summary>The execution id of a row of the commands table: the grain key is Orleans' spelling of it, the payload has it plainly.</summary>
    public static long CommandIdOf(IndexedRow row) => StateJson.Read<StoredCommandId>(row.Payload).Id;

    /// <summary>The device of a row of the commands table.</summary>
    public static string DeviceIdOf(IndexedRow row) => StateJson.Read<StoredCommandDevice>(row.Payload).DeviceId;

    private sealed record StoredCommandId(long Id);

    private sealed record StoredCommandDevice(string DeviceId);
}
