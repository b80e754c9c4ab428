using System.Collections.Immutable;

namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// One command execution as every door sees it. Parameters and result are opaque JSON text:
/// grains keep them, gateways parse them.
/// </summary>
/// <param name="Status">The normalised status, or the device's own final word when it maps to none.</param>
/// <param name="DeviceStatus">The status string exactly as the device (or creator) gave it, if any.</param>
/// <param name="JobId">The fleet job this execution is the part of one thing in, if any.</param>
/// <param name="VersionNumber">
/// Raised by every change a device can see (AWS IoT Jobs' versionNumber, from 1); the move from PENDING to SENT is not
/// one, as both are QUEUED to the device.
/// </param>
/// <param name="ExecutionNumber">Which execution of its job for its thing this is (from 1; a retry is the next).</param>
/// <param name="StatusDetails">The name/value pairs a device last reported with its status (AWS IoT Jobs' statusDetails).</param>
/// <param name="StartedAt">When the execution first went IN_PROGRESS.</param>
/// <param name="Deadline">
/// When an open execution times out, if not its TTL's end (timestamp + lifetime): a started one's in-progress or step
/// timeout.
/// </param>
[GenerateSerializer, Immutable, Alias("cg.CommandRecord")]
public sealed record CommandRecord(
    long Id,
    string DeviceId,
    string Command,
    string? ParametersJson,
    DateTimeOffset Timestamp,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdated,
    int Lifetime,
    string Status,
    string? DeviceStatus,
    string? ResultJson,
    long UserId,
    long? NetworkId,
    long? DeviceTypeId,
    string? ClientToken,
    StatusReason? StatusReason,
    ImmutableArray<StatusChange> History,
    string? JobId = null,
    int VersionNumber = 1,
    int ExecutionNumber = 1,
    ImmutableDictionary<string, string>? StatusDetails = null,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? Deadline = null)
{
    public bool IsFinal => CommandStatus.IsFinal(Status);

    public DateTimeOffset ExpiresAt => Deadline ?? Timestamp.AddSeconds(Lifetime);
}

/// <summary>One step of an execution's history.</summary>
[GenerateSerializer, Immutable, Alias("cg.StatusChange")]
public sealed record StatusChange(string Status, string? DeviceStatus, DateTimeOffset At, string Source);

/// <summary>Why a device reported what it did (Fleets / AWS IoT statusReason).</summary>
[GenerateSerializer, Immutable, Alias("cg.StatusReason")]
public sealed record StatusReason(string ReasonCode, string? ReasonDescription);
