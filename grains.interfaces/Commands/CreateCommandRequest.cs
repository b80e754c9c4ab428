namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// What a client asks for when it creates a command. Validated by the gateway for wire
/// errors and again by the grains for the rules they own.
/// </summary>
/// <param name="Fingerprint">A digest of the request body, compared when a client token is reused.</param>
/// <param name="JobId">The fleet job that creates this execution, if any.</param>
/// <param name="ExecutionNumber">Which execution of its job for its thing this is: 1, or a retry's number.</param>
/// <param name="InProgressTimeoutMinutes">How long the execution may stay IN_PROGRESS once started (a job's timeoutConfig); null: its TTL bounds it.</param>
[GenerateSerializer, Immutable, Alias("cg.CreateCommandRequest")]
public sealed record CreateCommandRequest(
    string DeviceId,
    string Command,
    string? ParametersJson,
    DateTimeOffset? Timestamp,
    int? Lifetime,
    string? Status,
    string? ResultJson,
    long UserId,
    string? ClientToken = null,
    string? Fingerprint = null,
    string? JobId = null,
    int? InProgressTimeoutMinutes = null,
    int ExecutionNumber = 1);
