namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>What a command/subscribe asked for.</summary>
/// <param name="DeviceId">One device; otherwise the networks and device types (either matching), or every device the token reaches.</param>
/// <param name="Names">Only commands with one of these names; null for all.</param>
/// <param name="Timestamp">Replay the commands created since then, before the live ones.</param>
/// <param name="Limit">The most commands replayed.</param>
/// <param name="ReturnUpdatedCommands">Also push command/update for every change of a matching command.</param>
internal sealed record SubscriptionFilter(
    string? DeviceId,
    IReadOnlyList<long>? NetworkIds,
    IReadOnlyList<long>? DeviceTypeIds,
    IReadOnlyList<string>? Names,
    DateTimeOffset? Timestamp,
    int Limit,
    bool ReturnUpdatedCommands);
