using System.Collections.Immutable;

namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// One command execution as every door sees it. Parameters and result are opaque JSON text:
/// grains keep them, gateways parse them.
/// </summary>
/// <param name="Status">The normalised status, or the device's own final word when it maps to none.</param>
/// <param name="DeviceStatus">The status string exactly as the device (or creator) gave it, if any.</param>
/// <param name="JobId">The fleet job this execution is the part of one thing in, if any.</param>
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
    string? JobId = null)
{
    public bool IsFinal => CommandStatus.IsFinal(Status);

    public DateTimeOffset ExpiresAt => Timestamp.AddSeconds(Lifetime);
}

/// <summary>One step of an execution's history.</summary>
[GenerateSerializer, Immutable, Alias("cg.StatusChange")]
public sealed record StatusChange(string Status, string? DeviceStatus, DateTimeOffset At, string Source);

/// <summary>Why a device reported what it did (Fleets / AWS IoT statusReason).</summary>
[GenerateSerializer, Immutable, Alias("cg.StatusReason")]
public sealed record StatusReason(string ReasonCode, string? ReasonDescription);
