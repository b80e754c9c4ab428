using System.Collections.Immutable;

namespace CommandGrid.Grains.Interfaces;

/// <summary>A device's report on an execution. A null status updates only the result.</summary>
/// <param name="DeviceId">
/// The device that reports, when the door knows it: an execution of another device is then not found, checked by the
/// execution itself in the same call (a door that read the execution first to compare paid a second grain call).
/// </param>
/// <param name="StatusDetails">Replaces the execution's status details when given (AWS IoT Jobs' update).</param>
/// <param name="ExpectedVersion">When given, the update applies only if the execution's version is this one.</param>
/// <param name="StepTimeoutMinutes">
/// For an execution IN_PROGRESS after the update: its deadline becomes now plus these minutes; -1 puts back the deadline
/// it had without a step timeout (its in-progress timeout from its start, else its TTL).
/// </param>
[GenerateSerializer, Immutable, Alias("cg.CommandUpdate")]
public sealed record CommandUpdate(
    string? Status,
    string? ResultJson,
    StatusReason? Reason,
    string Source,
    string? DeviceId = null,
    ImmutableDictionary<string, string>? StatusDetails = null,
    int? ExpectedVersion = null,
    int? StepTimeoutMinutes = null);
