namespace CommandGrid.Grains.Interfaces;

/// <summary>A device's report on an execution. A null status updates only the result.</summary>
[GenerateSerializer, Immutable, Alias("cg.CommandUpdate")]
public sealed record CommandUpdate(string? Status, string? ResultJson, StatusReason? Reason, string Source);
