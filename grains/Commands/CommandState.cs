using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// The stored form of an execution. Flat, because the indexed columns of the commands
/// table are read from its top-level properties.
/// </summary>
public sealed class CommandState
{
    public long Id { get; set; }
    public string DeviceId { get; set; } = "";
    public string Command { get; set; } = "";
    public string? ParametersJson { get; set; }
    public long TimestampMs { get; set; }
    public long CreatedAtMs { get; set; }
    public long LastUpdatedMs { get; set; }
    public int Lifetime { get; set; }
    public string Status { get; set; } = CommandStatus.Pending;
    public string? DeviceStatus { get; set; }
    public string? ResultJson { get; set; }
    public long UserId { get; set; }
    public long? NetworkId { get; set; }
    public long? DeviceTypeId { get; set; }
    public string? ClientToken { get; set; }
    public StatusReason? StatusReason { get; set; }
    public List<StatusChange> History { get; set; } = [];

    public CommandRecord ToRecord() => new(
        Id, DeviceId, Command, ParametersJson,
        DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs),
        DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs),
        DateTimeOffset.FromUnixTimeMilliseconds(LastUpdatedMs),
        Lifetime, Status, DeviceStatus, ResultJson, UserId, NetworkId, DeviceTypeId, ClientToken, StatusReason, [.. History]);
}
