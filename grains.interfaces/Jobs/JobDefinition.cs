using System.Collections.Immutable;

namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// What a fleet job does: one action for many things, rolled out at a rate, stopped by abort rules,
/// within a schedule. Validated by the gateway for wire errors, and again by the job grain for its own rules.
/// </summary>
/// <param name="Action">The action each execution carries: the one given, or the document's <c>operation</c> or <c>action</c>.</param>
/// <param name="ParametersJson">The parameters each execution carries (a job given by action and params); null for a job given by its document.</param>
/// <param name="Lifetime">The TTL of each execution; null for the grid's default.</param>
/// <param name="Fingerprint">A digest of the request, compared when a job id (or client token) is used again.</param>
/// <param name="DocumentJson">
/// The job document as given (any JSON object, stored here once for every execution); null for a job given by action and
/// params, whose document the doors make of them.
/// </param>
/// <param name="Name">A human-readable name (the Fleets console's), if given.</param>
/// <param name="Description">What the job is for, if given.</param>
/// <param name="Retry">When a thing whose execution failed gets another (AWS IoT's jobExecutionsRetryConfig); empty: never.</param>
/// <param name="InProgressTimeoutMinutes">How long each execution may stay IN_PROGRESS (AWS IoT's timeoutConfig); null: its TTL bounds it.</param>
[GenerateSerializer, Immutable, Alias("cg.JobDefinition")]
public sealed record JobDefinition(
    string Action,
    string? ParametersJson,
    int? Lifetime,
    JobTargets Targets,
    JobRollout? Rollout,
    ImmutableArray<AbortRule> Abort,
    JobSchedule? Schedule,
    bool Continuous,
    long UserId,
    string Fingerprint,
    string? DocumentJson = null,
    string? Name = null,
    string? Description = null,
    int? InProgressTimeoutMinutes = null,
    ImmutableArray<RetryCriterion> Retry = default)
{
    /// <summary>How many retries a thing gets after an execution that ended in <paramref name="status"/> (0: none).</summary>
    public int RetriesAfter(string status) => Retry.IsDefaultOrEmpty ? 0 : Retry
        .Where(r => r.FailureType == status || (r.FailureType == RetryCriterion.All && RetryCriterion.Retried.Contains(status)))
        .Select(r => r.NumberOfRetries).DefaultIfEmpty(0).Max();
}

/// <summary>
/// AWS IoT's retry criterion: a thing whose execution ended in <paramref name="FailureType"/> (ALL: FAILED or TIMED_OUT)
/// gets another execution, up to <paramref name="NumberOfRetries"/> (1 to 10) more.
/// </summary>
[GenerateSerializer, Immutable, Alias("cg.RetryCriterion")]
public sealed record RetryCriterion(string FailureType, int NumberOfRetries)
{
    public const string All = "ALL";

    /// <summary>The final statuses a retry follows.</summary>
    public static IReadOnlyList<string> Retried { get; } = [CommandStatus.Failed, CommandStatus.TimedOut];

    public static IReadOnlyList<string> FailureTypes { get; } = [CommandStatus.Failed, CommandStatus.TimedOut, All];
}

/// <summary>The things a job is for: named things and the members of groups (static or dynamic).</summary>
[GenerateSerializer, Immutable, Alias("cg.JobTargets")]
public sealed record JobTargets(ImmutableArray<string> ThingIds, ImmutableArray<string> Groups)
{
    public bool IsEmpty => ThingIds.IsDefaultOrEmpty && Groups.IsDefaultOrEmpty;
}

/// <summary>How fast executions are created: a fixed maximum per minute, or a rate that grows.</summary>
[GenerateSerializer, Immutable, Alias("cg.JobRollout")]
public sealed record JobRollout(int? MaxPerMinute, ExponentialRollout? Exponential);

/// <summary>
/// AWS IoT's exponential rollout: <paramref name="BaseRatePerMinute"/> at first, multiplied by
/// <paramref name="IncrementFactor"/> each time another <c>NumberOf…Things</c> executions met the criterion.
/// </summary>
[GenerateSerializer, Immutable, Alias("cg.ExponentialRollout")]
public sealed record ExponentialRollout(int BaseRatePerMinute, double IncrementFactor, int? NumberOfSucceededThings, int? NumberOfNotifiedThings);

/// <summary>
/// Abort the job once at least <paramref name="MinExecutedThings"/> executions are final and at least
/// <paramref name="ThresholdPercent"/> % of those ended in <paramref name="FailureType"/> (ALL: FAILED, REJECTED or TIMED_OUT).
/// </summary>
[GenerateSerializer, Immutable, Alias("cg.AbortRule")]
public sealed record AbortRule(string FailureType, int MinExecutedThings, double ThresholdPercent)
{
    public const string All = "ALL";

    public static IReadOnlyList<string> FailureTypes { get; } = [CommandStatus.Failed, CommandStatus.Rejected, CommandStatus.TimedOut, All];
}

/// <summary>When a job may create executions: not before <paramref name="StartAt"/>, not from <paramref name="EndAt"/> on.</summary>
[GenerateSerializer, Immutable, Alias("cg.JobSchedule")]
public sealed record JobSchedule(DateTimeOffset? StartAt, DateTimeOffset? EndAt);
