namespace CommandGrid.Grains.Interfaces;

/// <summary>A device's report on an execution. A null status updates only the result.</summary>
/// <param name="DeviceId">
/// The device that reports, when the door knows it: an execution of another device is then not found, checked by the
/// execution itself in the same call (a door that read the execution first to compare paid a second grain call).
/// </param>
[GenerateSerializer, Immutable, Alias("cg.CommandUpdate")]
public sealed record CommandUpdate(string? Status, string? ResultJson, StatusReason? Reason, string Source, string? DeviceId = null);
