using System.Collections.Immutable;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// The stored form of an execution. Flat, because the storage's indexed columns are read from
/// its top-level properties (the storage's GridTables names which).
/// </summary>
[GenerateSerializer, Alias("cg.CommandState")]
public sealed class CommandState
{
    [Id(0)]
    public long Id { get; set; }
    [Id(1)]
    public string DeviceId { get; set; } = "";
    [Id(2)]
    public string Command { get; set; } = "";
    [Id(3)]
    public string? ParametersJson { get; set; }
    [Id(4)]
    public long TimestampMs { get; set; }
    [Id(5)]
    public long CreatedAtMs { get; set; }
    [Id(6)]
    public long LastUpdatedMs { get; set; }
    [Id(7)]
    public int Lifetime { get; set; }
    /// <summary>The deadline now: <see cref="TtlEndMs"/>, or a started execution's in-progress or step timeout. What the overdue sweep asks for.</summary>
    [Id(18)]
    public long ExpiresAtMs { get; set; }

    /// <summary>
    /// Timestamp + lifetime: the deadline of an execution not started, and of a started one without an in-progress timeout.
    /// A method, not a property: the stored JSON holds the state's properties, and this is derived.
    /// </summary>
    public long TtlEndMs() => TimestampMs + Lifetime * 1000L;
    [Id(8)]
    public string Status { get; set; } = CommandStatus.Pending;
    [Id(9)]
    public string? DeviceStatus { get; set; }
    [Id(10)]
    public string? ResultJson { get; set; }
    [Id(11)]
    public long UserId { get; set; }
    [Id(12)]
    public long? NetworkId { get; set; }
    [Id(13)]
    public long? DeviceTypeId { get; set; }
    [Id(14)]
    public string? ClientToken { get; set; }
    [Id(15)]
    public StatusReason? StatusReason { get; set; }
    [Id(16)]
    public List<StatusChange> History { get; set; } = [];
    /// <summary>The fleet job the execution belongs to, if any: the job's counts are read by it.</summary>
    [Id(19)]
    public string? JobId { get; set; }
    /// <summary>See <see cref="CommandRecord.VersionNumber"/>; 1 for an execution stored before it was kept.</summary>
    [Id(20)]
    public int VersionNumber { get; set; } = 1;
    [Id(21)]
    public int ExecutionNumber { get; set; } = 1;
    [Id(22)]
    public Dictionary<string, string>? StatusDetails { get; set; }
    [Id(23)]
    public long? StartedAtMs { get; set; }
    /// <summary>How long the execution may stay IN_PROGRESS once started; null: its TTL bounds it.</summary>
    [Id(24)]
    public int? InProgressTimeoutMinutes { get; set; }

    public CommandRecord ToRecord() => new(
        Id, DeviceId, Command, ParametersJson,
        DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs),
        DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs),
        DateTimeOffset.FromUnixTimeMilliseconds(LastUpdatedMs),
        Lifetime, Status, DeviceStatus, ResultJson, UserId, NetworkId, DeviceTypeId, ClientToken, StatusReason, [.. History], JobId,
        VersionNumber, ExecutionNumber, StatusDetails?.ToImmutableDictionary(),
        StartedAtMs is { } started ? DateTimeOffset.FromUnixTimeMilliseconds(started) : null,
        ExpiresAtMs != TtlEndMs() ? DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs) : null);
}
